// Running work on a thread with a stack sized for it. LLVM's passes recurse
// along chains of values (Reassociate ranks an operand chain recursively), so a
// model with a 10^5-term expression needs a stack far deeper than the main
// thread's 8 MiB. vic's own passes iterate; the code that calls into LLVM runs
// on such a thread instead, its stack sized from the program.
#pragma once

#include <cstddef>
#include <functional>

#include "support/expected.h"

namespace vic {

// Runs `work` to completion on a new thread whose stack is `stack_bytes`
// (reserved, not committed: untouched pages cost nothing), and waits for it.
// An Error when the thread cannot be started (e.g. no memory for its stack).
Status run_with_stack(size_t stack_bytes, const std::function<void()>& work);

}  // namespace vic
