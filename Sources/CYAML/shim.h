#ifndef SPLICER_CYAML_SHIM_H
#define SPLICER_CYAML_SHIM_H
#include <yaml.h>
#endif
