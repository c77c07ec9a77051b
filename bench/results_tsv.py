"""Reading the raw figures the bench scripts record (bench/lib/common.sh: `record`, `meta`)."""


def rows(path):
    """The (label, metric, value, round) rows of a results file, value as a float."""
    with open(path) as handle:
        for line in handle:
            label, metric, value, round_ = line.rstrip("\n").split("\t")
            yield label, metric, float(value), round_


def meta(path):
    """The key -> value lines of a meta file."""
    values = {}
    with open(path) as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("\t")
            values[key] = value
    return values
