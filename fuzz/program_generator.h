// A generator of random, well-typed .vmodel programs with matching Stan JSON
// data, for fuzzing the whole compile path and for random-program tests (such
// as comparing compiled gradients with finite differences). Every decision is
// read from a ChoiceSource, so a seed or a fuzzer's bytes fully determine the
// program. The programs use the language subset vic compiles (README.md's
// language section, stdlib/signatures.cpp): every block, int/real scalars,
// vectors and arrays with data-dependent sizes, bounds (parameter-dependent
// ones too), local variables, for loops (loop-carried scalars and
// recurrences among them), if/else, compound assignment and container
// updates, indexing (by data index arrays too), `~` and `target +=` with
// every distribution, the elementwise and reducing functions, slices and
// concatenations of vectors (head, tail, segment, append_row) and `_rng` draws. Indices stay in range and density
// arguments stay in their domains as far as the generator can see, so most
// programs evaluate to a finite log density; none is meant to fail `vic check`.
#pragma once

#include <cstdint>
#include <string>

#include "fuzz/choices.h"

namespace vic::fuzz {

// Which features a generated program may use, and how big it may get. Turning
// a feature off never makes a program invalid; it only narrows what appears.
struct GeneratorOptions {
  // Blocks besides data, parameters and model (which are always written).
  bool transformed_data = true;
  bool transformed_parameters = true;
  bool generated_quantities = true;

  // Statements.
  bool loops = true;                // for (i in a:b)
  bool conditionals = true;         // if / else
  bool local_variables = true;      // declarations inside statement bodies and the model block
  bool compound_assignment = true;  // += -= *= /=
  bool tilde_statements = true;     // y ~ dist(...)
  bool target_statements = true;    // target += ...

  // Types and expressions.
  bool vectors = true;                     // vector[N]
  bool arrays = true;                      // array[N] T, array[N, M] T, array[N] vector[M]
  bool int_arithmetic = true;              // + - * %/% % on ints, comparisons, && || !
  bool bounds = true;                      // <lower=..., upper=...> on data and parameters
  bool parameter_dependent_bounds = true;  // real<lower=p1> p2
  bool conditional_expressions = true;     // c ? a : b
  bool density_calls = true;               // normal_lpdf(y | mu, sigma) inside expressions
  bool rng_calls = true;                   // normal_rng(...) in generated quantities
  bool old_array_syntax = true;            // real x[N] besides array[N] real x
  // Comparisons and && || ! as int values (arguments, right-hand sides), not
  // only as conditions; when off they are written `((a < b) + 0)`.
  bool boolean_values = true;
  // Functions and control flow whose derivative jumps: fabs, % and %/% on
  // values that may depend on parameters, conditions and ?: on parameters.
  // Turn off for tests that compare gradients with finite differences.
  bool nonsmooth = true;
  // Now and then an index that may be out of range: the compiled code must
  // reject the point, not crash.
  bool wild_indices = true;
  // Now and then a density or function argument that may lie outside its
  // domain (a scale that may be negative): the point is rejected or NaN.
  bool out_of_domain = true;
  // int variables declared without a value (they hold Stan's "not set" value,
  // the smallest int, until assigned).
  bool uninitialized_ints = true;

  // Loops that carry values from one iteration to the next: a scalar
  // accumulator (`s = (s * e1) + e2;`), a container filled by a recurrence
  // (`x[1] = e; for (i in 2:N) x[i] = (x[(i - 1)] * e1) + e2;`) and nested
  // loops filling `array[T] vector[K] a` row by row from the row before (the
  // shape of an HMM's forward pass). Each element is written once.
  bool carried_loops = true;
  // Data int arrays whose elements are valid indices of a size
  // (`array[M] int<lower=1, upper=N> idx`), used as indices: `x[idx[m]]`.
  bool data_indices = true;
  // Conditional expressions whose untaken branch is NaN or infinite
  // (`(p > 0 ? sqrt(p) : (-square(p)))`), on parameters even when nonsmooth
  // is off: they are smooth except on the boundary, which a random point misses.
  bool lazy_conditionals = true;

  // Updates of real containers in the blocks that are differentiated
  // (transformed parameters, model): each switch below lets the generator
  // write a container element that may already have been written or read.
  // Element updates: `x[i] *= e;`, `x[i] += e;`, `for (i in 1:N) x[i] = (x[i] * e1) + e2;`.
  bool element_updates = true;
  // Whole-container updates: `x = (x * e);`, `x = (x .* x);`, `x *= e;`.
  bool whole_container_updates = true;
  // A container replaced by another each iteration, as an HMM's forward pass
  // writes it: `for (t in 1:T) { vector[K] nxt; ... alpha = nxt; }`.
  bool container_swaps = true;
  // Container writes inside if/else: `vector[N] x; if (c) { x = ...; } else
  // { for (i in 1:N) x[i] = ...; }`, and updates of containers in if bodies.
  bool branch_container_updates = true;

  // Sizes.
  int max_size = 4;              // data sizes (N, K, ...) lie in [0, max_size]
  int max_parameters = 4;        // parameter declarations
  int max_block_statements = 5;  // statements per block (the model block gets a few more)
  int max_expression_depth = 3;  // nesting of operators and calls
  int max_statement_depth = 2;   // nesting of loops, ifs and blocks
};

// A generated model and the data that matches its data block.
struct GeneratedProgram {
  std::string model;      // .vmodel source text
  std::string data_json;  // Stan JSON for its data block ("{}" when it has none)
};

// Generates one program, reading every decision from `choices`.
GeneratedProgram generate_program(ChoiceSource& choices, const GeneratorOptions& options = {});

// The same with SeededChoices(seed): one fixed program per seed, on every platform.
GeneratedProgram generate_program(uint64_t seed, const GeneratorOptions& options = {});

}  // namespace vic::fuzz
