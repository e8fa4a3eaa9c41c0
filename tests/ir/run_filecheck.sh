#!/usr/bin/env bash
# Runs the `// RUN:` lines of one FileCheck test, as LLVM's lit does, for ctest
# (tests/ir/CMakeLists.txt adds one test per tests/ir/filecheck/*.ir).
#   run_filecheck.sh VIC_IR_OPT FILECHECK TEST_FILE
# In a RUN line %s is the test file and %S its folder; vic-ir-opt, FileCheck
# and LLVM's `not` (which inverts an exit status) are found on PATH. Each line
# runs with pipefail; the test fails if any line fails, or if it has none.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: run_filecheck.sh VIC_IR_OPT FILECHECK TEST_FILE" >&2
  exit 2
fi
vic_ir_opt=$1 filecheck=$2 test_file=$3
if [ ! -x "$filecheck" ]; then
  echo "FileCheck not found ($filecheck); install it with scripts/install_deps.sh --tests" >&2
  exit 1
fi
PATH="$(dirname "$vic_ir_opt"):$(dirname "$filecheck"):$PATH"
export PATH

runs=0
while IFS= read -r line; do
  command=${line#*// RUN: }
  command=${command//%s/$test_file}
  command=${command//%S/$(dirname "$test_file")}
  runs=$((runs + 1))
  echo "RUN: $command"
  if ! bash -o pipefail -c "$command"; then
    echo "FAILED: RUN line $runs of $test_file" >&2
    exit 1
  fi
done < <(grep -E '^// RUN: ' "$test_file")

if [ "$runs" -eq 0 ]; then
  echo "$test_file has no '// RUN:' line" >&2
  exit 1
fi
