// Every IR pass, each declared in a header of its own and defined in the .cpp
// of the same name; ir/passes/pipeline.h runs them in order.
#pragma once

#include "ir/passes/bind_data_sizes.h"
#include "ir/passes/bufferize.h"
#include "ir/passes/eliminate_common_subexpressions.h"
#include "ir/passes/eliminate_dead_code.h"
#include "ir/passes/fold_constants.h"
#include "ir/passes/hoist_data_only.h"
#include "ir/passes/simplify_algebra.h"
