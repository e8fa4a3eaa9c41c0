// The distributions of whole vectors (multivariate.h).
#include "stdlib/multivariate.h"

#include <cmath>
#include <functional>

#include "stdlib/ops.h"
#include "stdlib/scalar_functions.h"
#include "stdlib/cdfs.h"

namespace vic::stdlib {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::Op;
using ir::OpKind;
using ir::Type;
using ir::Value;

Value* sum(Builder& b, Value* n, const std::function<Value*(Builder&, Value*)>& f) {
  return b.for_loop(b.const_i64(0), n, {b.const_f64(0.0)}, [&](Builder& in, Value* i, const auto& c) {
    return std::vector<Value*>{in.op(OpKind::FAdd, {c[0], f(in, i)})};
  })[0];
}

Value* real(Builder& b, Value* v) { return Ops{b}.real(v); }

// A vector or an array of N vectors of size K: vector n's element k.
struct Vectors {
  Value* count;  // N (1 for a single vector)
  Value* size;   // K
  bool single;
  Elements elements;
  Value* at(Builder& b, Value* n, Value* k) const {
    Value* i = single ? k : b.op(OpKind::IAdd, {b.op(OpKind::IMul, {n, size}), k});
    return real(b, elements.element(b, i));
  }
};

Vectors vectors(Builder& b, const ContainerArg& a) {
  const std::vector<Value*>& dims = a.elements.dims;
  if (a.shape == ArgShape::Array && dims.size() >= 2) return {dims[0], dims.back(), false, a.elements};
  return {b.const_i64(1), a.elements.size, true, a.elements};
}

// Checks that x's vectors are simplexes: nonnegative, summing to 1 within 1e-8 (Stan's tolerance).
void check_simplexes(Builder& b, const Vectors& x, const std::string& message, const AddCheck& add_check) {
  int64_t id = add_check(message);
  b.for_loop(b.const_i64(0), x.count, {}, [&](Builder& in, Value* n, const auto&) {
    Value* s = sum(in, x.size, [&](Builder& w, Value* k) { return x.at(w, n, k); });
    Value* negative = in.for_loop(in.const_i64(0), x.size, {in.const_i64(0)}, [&](Builder& w, Value* k, const auto& c) {
      Value* bad = w.cmp(CmpPredicate::Lt, x.at(w, n, k), w.const_f64(0.0));
      return std::vector<Value*>{w.op(OpKind::IAdd, {c[0], w.op(OpKind::Select, {bad, w.const_i64(1), w.const_i64(0)})})};
    })[0];
    Value* near_one = in.cmp(CmpPredicate::Le, in.op(OpKind::Fabs, {in.op(OpKind::FSub, {s, in.const_f64(1.0)})}),
                             in.const_f64(1e-8));
    in.check(in.op(OpKind::And, {near_one, in.cmp(CmpPredicate::Eq, negative, in.const_i64(0))}), id);
    return std::vector<Value*>{};
  });
}

// The variate's vector count agrees with each vectorised parameter's.
void check_counts(Builder& b, const std::string& dist, const Vectors& y, const std::vector<const Vectors*>& params,
                  const AddCheck& add_check) {
  for (const Vectors* p : params) {
    if (p->single) continue;
    b.check(b.cmp(CmpPredicate::Eq, p->count, y.count), add_check(dist + ": the arrays of vectors differ in size"));
  }
}

void check_sizes(Builder& b, const std::string& dist, Value* k, Value* other, const AddCheck& add_check) {
  b.check(b.cmp(CmpPredicate::Eq, k, other), add_check(dist + ": the sizes of the vectors differ"));
}

Value* dirichlet(Builder& b, const std::vector<ContainerArg>& args, const std::vector<bool>& parameter, bool propto,
                 const AddCheck& add_check) {
  Vectors theta = vectors(b, args[0]), alpha = vectors(b, args[1]);
  check_sizes(b, "dirichlet_lpdf", theta.size, alpha.size, add_check);
  check_counts(b, "dirichlet_lpdf", theta, {&alpha}, add_check);
  check_simplexes(b, theta, "dirichlet_lpdf: probabilities is not a valid simplex", add_check);
  int64_t positive = add_check("dirichlet_lpdf: prior sample sizes must be positive");
  const bool normalise = !propto || parameter[1];
  return sum(b, theta.count, [&](Builder& in, Value* n) {
    // sum (alpha_k - 1) log theta_k + lgamma(sum alpha) - sum lgamma(alpha_k)
    Value* a_n = alpha.single ? in.const_i64(0) : n;
    std::vector<Value*> terms = in.for_loop(in.const_i64(0), theta.size, {in.const_f64(0.0), in.const_f64(0.0), in.const_f64(0.0)},
                                     [&](Builder& w, Value* k, const auto& c) {
                                       Ops o{w};
                                       Value* a = alpha.at(w, a_n, k);
                                       w.check(w.cmp(CmpPredicate::Gt, a, w.const_f64(0.0)), positive);
                                       Value* kernel = o.mul(o.sub(a, o.c(1.0)), o.log(theta.at(w, n, k)));
                                       return std::vector<Value*>{o.add(c[0], kernel), o.add(c[1], a), o.add(c[2], o.lgamma(a))};
                                     });
    Ops o{in};
    return normalise ? o.add(terms[0], o.sub(o.lgamma(terms[1]), terms[2])) : terms[0];
  });
}

// The ints of y (a scalar or an array) and their count.
std::pair<Value*, std::function<Value*(Builder&, Value*)>> ints(Builder& b, const ContainerArg& y) {
  if (y.shape == ArgShape::Scalar) {
    Value* v = y.scalar;
    return {b.const_i64(1), [v](Builder&, Value*) { return v; }};
  }
  Elements e = y.elements;
  return {e.size, [e](Builder& in, Value* i) { return e.element(in, i); }};
}

Value* categorical(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args, const AddCheck& add_check) {
  const bool logit = dist == "categorical_logit";
  auto [n, y] = ints(b, args[0]);
  Vectors theta = vectors(b, args[1]);
  if (!logit) check_simplexes(b, theta, "categorical_lpmf: probabilities is not a valid simplex", add_check);
  Value* lse = nullptr;
  if (logit) {
    // log softmax(beta)[y] = beta[y] - log_sum_exp(beta).
    lse = build_container_function(b, "log_sum_exp", {args[1]}, add_check)->scalar;
  }
  int64_t range = add_check(std::string(dist) + "_lpmf: the outcome is not between 1 and the number of categories");
  return sum(b, n, [&](Builder& in, Value* i) {
    Value* c = y(in, i);
    in.check(in.op(OpKind::And, {in.cmp(CmpPredicate::Ge, c, in.const_i64(1)), in.cmp(CmpPredicate::Le, c, theta.size)}),
             range);
    Value* v = theta.at(in, in.const_i64(0), in.op(OpKind::ISub, {c, in.const_i64(1)}));
    return logit ? in.op(OpKind::FSub, {v, lse}) : in.op(OpKind::Log, {v});
  });
}

// multi_normal_cholesky: -K/2 log(2 pi) - sum log L_kk - |L^-1 (y - mu)|^2 / 2 per vector.
// With nu (multi_student_t): lgamma((nu + K) / 2) - lgamma(nu / 2) - K/2 log(nu pi)
// - sum log L_kk - (nu + K) / 2 log1p(|L^-1 (y - mu)|^2 / nu).
Value* multi_normal_cholesky(Builder& b, std::string_view dist, const ContainerArg& y_arg, const ContainerArg& mu_arg,
                             const ContainerArg& l, bool scale_parameter, bool propto, const AddCheck& add_check,
                             Value* nu = nullptr, bool nu_parameter = false) {
  Vectors y = vectors(b, y_arg), mu = vectors(b, mu_arg);
  const std::string name = std::string(dist) + "_lpdf";
  check_sizes(b, name, y.size, mu.size, add_check);
  check_counts(b, name, y, {&mu}, add_check);
  Value* k = y.size;
  Value* l_tensor = as_tensor(b, l.elements);
  Value* log_det = sum(b, k, [&](Builder& in, Value* i) {
    return in.op(OpKind::Log, {in.extract(l_tensor, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {i, k}), i}))});
  });
  const bool scale_term = !propto || scale_parameter;
  Value* total = sum(b, y.count, [&](Builder& in, Value* n) {
    Value* mu_n = mu.single ? in.const_i64(0) : n;
    Op* diff = in.create_generate(k, Type::F64, "k");
    {
      Builder g(in.function(), diff->region(0));
      Value* j = diff->region(0).args[0];
      g.yield({g.op(OpKind::FSub, {y.at(g, n, j), mu.at(g, mu_n, j)})});
    }
    ContainerArg lower{ArgShape::Matrix, nullptr, {l.elements.size, l.elements.dims, [l_tensor](Builder& w, Value* i) {
                                                     return w.extract(l_tensor, i);
                                                   }, l_tensor}};
    ContainerArg rhs{ArgShape::Vector, nullptr, {k, {k}, [t = diff->result()](Builder& w, Value* i) {
                                                   return w.extract(t, i);
                                                 }, diff->result()}};
    std::optional<ContainerResult> z = build_container_function(in, "mdivide_left_tri_low", {lower, rhs}, add_check);
    Value* zz = sum(in, k, [&](Builder& w, Value* i) {
      Value* v = z->elements.element(w, i);
      return w.op(OpKind::FMul, {v, v});
    });
    if (!nu) return in.op(OpKind::FMul, {in.const_f64(-0.5), zz});
    Ops w{in};
    return w.mul(w.mul(w.c(-0.5), w.add(nu, w.real(k))), w.log1p(w.div(zz, nu)));
  });
  Ops o{b};
  Value* count = o.real(y.count);
  if (scale_term) total = o.sub(total, o.mul(count, log_det));
  if (!nu) {
    if (!propto) total = o.sub(total, o.mul(o.mul(count, o.real(k)), o.c(0.5 * std::log(2 * M_PI))));
    return total;
  }
  if (!propto || nu_parameter) {
    Value* fk = o.real(k);
    Value* c = o.sub(o.lgamma(o.mul(o.c(0.5), o.add(nu, fk))), o.lgamma(o.mul(o.c(0.5), nu)));
    c = o.sub(c, o.mul(o.mul(o.c(0.5), fk), o.log(o.mul(nu, o.c(M_PI)))));
    total = o.add(total, o.mul(count, c));
  }
  return total;
}

// Checks that every element of x's first vector is finite.
void check_finite(Builder& b, const Vectors& x, const std::string& message, const AddCheck& add_check) {
  int64_t id = add_check(message);
  b.for_loop(b.const_i64(0), x.size, {}, [&](Builder& in, Value* k, const auto&) {
    in.check(in.cmp(CmpPredicate::Lt, in.op(OpKind::Fabs, {x.at(in, in.const_i64(0), k)}), in.const_f64(HUGE_VAL)), id);
    return std::vector<Value*>{};
  });
}

// multinomial(y | theta): log(N! / prod y_k!) + sum y_k log theta_k, 0 log 0 = 0;
// multinomial_logit(y | gamma) the same at theta = softmax(gamma), whose log
// is gamma - log_sum_exp(gamma).
Value* multinomial(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args, bool propto,
                   const AddCheck& add_check) {
  const bool logit = dist == "multinomial_logit";
  const std::string name = std::string(dist) + "_lpmf";
  const Elements& y = args[0].elements;
  Vectors theta = vectors(b, args[1]);
  check_sizes(b, name, y.size, theta.size, add_check);
  Value* lse = nullptr;
  if (logit) {
    check_finite(b, theta, name + ": Log-probabilities parameter must be finite", add_check);
    lse = build_container_function(b, "log_sum_exp", {args[1]}, add_check)->scalar;
  } else {
    check_simplexes(b, theta, name + ": probabilities is not a valid simplex", add_check);
  }
  int64_t negative = add_check(name + ": Number of trials variable must be non-negative");
  std::vector<Value*> parts = b.for_loop(b.const_i64(0), y.size, {b.const_f64(0.0), b.const_f64(0.0), b.const_f64(0.0)},
                                   [&](Builder& in, Value* k, const auto& c) {
                                     Ops o{in};
                                     Value* yk = y.element(in, k);
                                     in.check(in.cmp(CmpPredicate::Ge, yk, in.const_i64(0)), negative);
                                     Value* n = o.real(yk);
                                     Op* zero = in.create_if(in.cmp(CmpPredicate::Eq, yk, in.const_i64(0)), {Type::F64});
                                     Builder none(in.function(), zero->region(0)), some(in.function(), zero->region(1));
                                     none.yield({none.const_f64(0.0)});
                                     Value* t = theta.at(some, some.const_i64(0), k);
                                     Value* log_t = logit ? some.op(OpKind::FSub, {t, lse}) : some.op(OpKind::Log, {t});
                                     some.yield({some.op(OpKind::FMul, {n, log_t})});
                                     return std::vector<Value*>{o.add(c[0], zero->result()), o.add(c[1], n),
                                                                o.add(c[2], o.lgamma(o.add(n, o.c(1.0))))};
                                   });
  if (propto) return parts[0];
  Ops o{b};
  return o.add(parts[0], o.sub(o.lgamma(o.add(parts[1], o.c(1.0))), parts[2]));
}

// Checks that every element of theta is a probability, in [0, 1] (NaN is not).
void check_probabilities(Builder& b, const Vectors& theta, const std::string& name, const AddCheck& add_check) {
  int64_t id = add_check(name + ": Probability parameters must be in [0, 1]");
  b.for_loop(b.const_i64(0), theta.size, {}, [&](Builder& in, Value* i, const auto&) {
    Value* t = theta.at(in, in.const_i64(0), i);
    in.check(in.op(OpKind::And, {in.cmp(CmpPredicate::Ge, t, in.const_f64(0.0)), in.cmp(CmpPredicate::Le, t, in.const_f64(1.0))}),
             id);
    return std::vector<Value*>{};
  });
}

// poisson_binomial(y | theta): the number of successes in N = size(theta)
// independent trials with success probabilities theta. alpha_i[j] = log P(j
// successes in the first i trials), alpha_0 = (0, -inf, ...), by
//   alpha_i+1[j] = log_sum_exp(alpha_i[j] + log1m(theta_i), alpha_i[j - 1] + log(theta_i)),
// a loop the AD pass differentiates; the density is the sum of alpha_N[y]
// over the outcomes.
Value* poisson_binomial(Builder& b, const std::vector<ContainerArg>& args, const std::vector<bool>& parameter,
                        bool propto, const AddCheck& add_check) {
  const std::string name = "poisson_binomial_lpmf";
  auto [count, y] = ints(b, args[0]);
  Vectors theta = vectors(b, args[1]);
  Value* n = theta.size;
  int64_t range = add_check(name + ": Successes variable must be between 0 and the size of theta");
  b.for_loop(b.const_i64(0), count, {}, [&](Builder& in, Value* k, const auto&) {
    Value* yk = y(in, k);
    in.check(in.op(OpKind::And, {in.cmp(CmpPredicate::Ge, yk, in.const_i64(0)), in.cmp(CmpPredicate::Le, yk, n)}), range);
    return std::vector<Value*>{};
  });
  check_probabilities(b, theta, name, add_check);
  if (propto && !parameter[1]) return b.const_f64(0.0);
  const double minus_infinity = -HUGE_VAL;
  Value* size = b.op(OpKind::IAdd, {n, b.const_i64(1)});
  Value* start = b.insert(b.splat(size, b.const_f64(minus_infinity)), b.const_i64(0), b.const_f64(0.0));
  Value* alpha = b.for_loop(b.const_i64(0), n, {start}, [&](Builder& in, Value* i, const auto& c) {
    Ops o{in};
    Value* t = theta.at(in, in.const_i64(0), i);
    Value* log_t = o.log(t);
    Value* log1m_t = o.log1m(t);
    Value* previous = c[0];
    Op* gen = in.create_generate(size, Type::F64, "j");
    Builder g(in.function(), gen->region(0));
    g.set_loc(in.loc());
    Value* j = gen->region(0).args[0];
    Value* first = g.cmp(CmpPredicate::Eq, j, g.const_i64(0));
    Value* below = g.op(OpKind::Select, {first, g.const_i64(0), g.op(OpKind::ISub, {j, g.const_i64(1)})});
    Value* fail = g.op(OpKind::FAdd, {g.extract(previous, j), log1m_t});
    Value* succeed = g.op(OpKind::Select, {first, g.const_f64(minus_infinity), g.op(OpKind::FAdd, {g.extract(previous, below), log_t})});
    g.yield({build_container_function(g, "log_sum_exp", {{ArgShape::Scalar, fail, {}}, {ArgShape::Scalar, succeed, {}}}, add_check)->scalar});
    return std::vector<Value*>{gen->result()};
  })[0];
  return sum(b, count, [&](Builder& in, Value* k) { return in.extract(alpha, y(in, k)); });
}

// ordered_logistic and ordered_probit: outcome y of K = size(c) + 1 ordered
// categories, P(y = k) = F(c_k - eta) - F(c_{k-1} - eta) with c_0 = -inf,
// c_K = +inf and F the logistic or normal CDF; each case its own branch (the
// others would read outside c).
Value* ordered(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args, const AddCheck& add_check) {
  const bool logistic = dist == "ordered_logistic";
  const std::string name = std::string(dist) + "_lpmf";
  auto [n, y] = ints(b, args[0]);
  const ContainerArg& eta_arg = args[1];
  Vectors c = vectors(b, args[2]);
  Value* k = c.size;  // K - 1 cut points
  if (eta_arg.shape != ArgShape::Scalar) {
    b.check(b.cmp(CmpPredicate::Eq, eta_arg.elements.size, n), add_check(name + ": the sizes of y and eta differ"));
  }
  if (!c.single) check_counts(b, name, Vectors{n, k, false, {}}, {&c}, add_check);
  int64_t range = add_check(name + ": the outcome is not between 1 and the number of cut points plus one");
  int64_t not_ordered = add_check(name + ": Cut-points is not a valid ordered vector");
  b.for_loop(b.const_i64(0), c.count, {}, [&](Builder& in, Value* m, const auto&) {
    Value* bad = in.for_loop(in.const_i64(0), k, {in.const_i64(0)}, [&](Builder& w, Value* i, const auto& t) {
      Value* prev = w.op(OpKind::Select, {w.cmp(CmpPredicate::Gt, i, w.const_i64(0)), w.op(OpKind::ISub, {i, w.const_i64(1)}), i});
      Value* v = c.at(w, m, i);
      Value* wrong = w.op(OpKind::Or, {w.op(OpKind::And, {w.cmp(CmpPredicate::Gt, i, w.const_i64(0)),
                                                          w.cmp(CmpPredicate::Le, v, c.at(w, m, prev))}),
                                       w.op(OpKind::Not, {w.cmp(CmpPredicate::Lt, w.op(OpKind::Fabs, {v}), w.const_f64(INFINITY))})});
      return std::vector<Value*>{w.op(OpKind::IAdd, {t[0], w.op(OpKind::Select, {wrong, w.const_i64(1), w.const_i64(0)})})};
    })[0];
    in.check(in.cmp(CmpPredicate::Eq, bad, in.const_i64(0)), not_ordered);
    return std::vector<Value*>{};
  });
  // log F(x): logistic -log1p_exp(-x); normal log(erfc(-x / sqrt 2) / 2).
  auto log_cdf = [logistic, &add_check](Builder& w, Value* x) {
    return logistic ? build_function(w, "log_inv_logit", x) : build_log_cdf(w, "std_normal", {x}, false, add_check);
  };
  return sum(b, n, [&](Builder& in, Value* i) {
    Value* yi = y(in, i);
    in.check(in.op(OpKind::And, {in.cmp(CmpPredicate::Ge, yi, in.const_i64(1)),
                                 in.cmp(CmpPredicate::Le, yi, in.op(OpKind::IAdd, {k, in.const_i64(1)}))}),
             range);
    Value* eta = eta_arg.shape == ArgShape::Scalar ? real(in, eta_arg.scalar) : real(in, eta_arg.elements.element(in, i));
    Value* m = c.single ? in.const_i64(0) : i;
    auto branch = [&](Builder& at, Value* cond, const std::function<Value*(Builder&)>& then_value,
                      const std::function<Value*(Builder&)>& else_value) {
      Op* op = at.create_if(cond, {Type::F64});
      Builder t(at.function(), op->region(0)), e(at.function(), op->region(1));
      t.set_loc(at.loc());
      e.set_loc(at.loc());
      t.yield({then_value(t)});
      e.yield({else_value(e)});
      return op->result();
    };
    return branch(
        in, in.cmp(CmpPredicate::Eq, yi, in.const_i64(1)),
        [&](Builder& w) { return log_cdf(w, w.op(OpKind::FSub, {c.at(w, m, w.const_i64(0)), eta})); },
        [&](Builder& w) {
          return branch(
              w, w.cmp(CmpPredicate::Eq, yi, w.op(OpKind::IAdd, {k, w.const_i64(1)})),
              // log(1 - F(c_{K-1} - eta)) = log F(eta - c_{K-1}) for these symmetric F.
              [&](Builder& v) {
                return log_cdf(v, v.op(OpKind::FSub, {eta, c.at(v, m, v.op(OpKind::ISub, {k, v.const_i64(1)}))}));
              },
              [&](Builder& v) {
                // log(F(hi) - F(lo)) = log_diff_exp(log F(hi), log F(lo)).
                Ops o{v};
                Value* hi = log_cdf(v, o.sub(c.at(v, m, v.op(OpKind::ISub, {yi, v.const_i64(1)})), eta));
                Value* lo = log_cdf(v, o.sub(c.at(v, m, v.op(OpKind::ISub, {yi, v.const_i64(2)})), eta));
                return build_scalar_function(v, "log_diff_exp", {hi, lo});
              });
        });
  });
}

// The Cholesky factor of a matrix argument (its kernel checks it), as a matrix argument.
ContainerArg cholesky_factor(Builder& b, const ContainerArg& m, const AddCheck& add_check) {
  return {ArgShape::Matrix, nullptr, build_container_function(b, "cholesky_decompose", {m}, add_check)->elements};
}

// log det of the matrix whose Cholesky factor is l (K x K): 2 sum log l_kk.
Value* log_det_from_factor(Builder& b, const ContainerArg& l, Value* k) {
  return b.op(OpKind::FMul, {b.const_f64(2.0), sum(b, k, [&](Builder& in, Value* i) {
    return in.op(OpKind::Log, {real(in, l.elements.element(in, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {i, k}), i})))});
  })});
}

// |a^-1 c|_F^2 for lower-triangular a: the trace of (a a')^-1 (c c').
Value* trace_of_solve(Builder& b, const ContainerArg& a, const ContainerArg& c, const AddCheck& add_check) {
  std::optional<ContainerResult> x = build_container_function(b, "mdivide_left_tri_low", {a, c}, add_check);
  return sum(b, x->elements.size, [&](Builder& in, Value* i) {
    Value* v = x->elements.element(in, i);
    return in.op(OpKind::FMul, {v, v});
  });
}

// log Gamma_K(x) = K (K - 1) / 4 log(pi) + sum_{j=1..K} lgamma(x + (1 - j) / 2).
Value* lmgamma(Builder& b, Value* k, Value* x) {
  Ops o{b};
  Value* fk = o.real(k);
  Value* terms = sum(b, k, [&](Builder& in, Value* j) {
    Ops w{in};
    return w.lgamma(w.sub(x, w.mul(w.c(0.5), w.real(j))));
  });
  return o.add(o.mul(o.mul(fk, o.sub(fk, o.c(1.0))), o.c(0.25 * std::log(M_PI))), terms);
}

// wishart(W | nu, S) and inv_wishart(W | nu, S) through the Cholesky factors of W and S.
Value* wishart(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args,
               const std::vector<bool>& parameter, bool propto, const AddCheck& add_check) {
  const bool inverse = dist == "inv_wishart";
  const std::string name = std::string(dist) + "_lpdf";
  Ops o{b};
  VIC_CHECK(args[0].elements.dims.size() >= 2) << name << " of a matrix of unknown sizes";
  Value* k = args[0].elements.dims.back();
  Value* nu = real(b, args[1].scalar);
  b.check(b.cmp(CmpPredicate::Gt, nu, o.sub(o.real(k), o.c(1.0))),
          add_check(name + ": Degrees of freedom parameter must be greater than the dimension minus 1"));
  ContainerArg lw = cholesky_factor(b, args[0], add_check);
  ContainerArg ls = cholesky_factor(b, args[2], add_check);
  Value* fk = o.real(k);
  Value* lp = o.c(0.0);
  if (!propto || parameter[1]) {
    lp = o.sub(lp, o.add(o.mul(o.mul(nu, fk), o.c(0.5 * std::log(2.0))), lmgamma(b, k, o.mul(o.c(0.5), nu))));
  }
  if (!propto || parameter[1] || parameter[2]) {
    Value* half_nu = o.mul(o.c(0.5), nu);
    Value* log_det_s = log_det_from_factor(b, ls, k);
    lp = inverse ? o.add(lp, o.mul(half_nu, log_det_s)) : o.sub(lp, o.mul(half_nu, log_det_s));
  }
  if (!propto || parameter[0] || parameter[1]) {
    // wishart: (nu - K - 1) / 2 log det W; inv_wishart: -(nu + K + 1) / 2 log det W.
    Value* weight = inverse ? o.mul(o.c(-0.5), o.add(o.add(nu, fk), o.c(1.0))) : o.mul(o.c(0.5), o.sub(o.sub(nu, fk), o.c(1.0)));
    lp = o.add(lp, o.mul(weight, log_det_from_factor(b, lw, k)));
  }
  if (!propto || parameter[0] || parameter[2]) {
    // tr(S^-1 W) = |Ls^-1 Lw|^2; tr(S W^-1) = |Lw^-1 Ls|^2.
    lp = o.sub(lp, o.mul(o.c(0.5), inverse ? trace_of_solve(b, lw, ls, add_check) : trace_of_solve(b, ls, lw, add_check)));
  }
  return lp;
}

// The size K of a square matrix argument, checked: "<name>: Matrix <arg> is not square".
Value* square(Builder& b, const std::string& name, const std::string& arg, const Elements& m,
              const AddCheck& add_check) {
  VIC_CHECK(m.dims.size() >= 2) << name << " of a matrix of unknown sizes";
  Value* k = m.dims[m.dims.size() - 2];
  b.check(b.cmp(CmpPredicate::Eq, k, m.dims.back()), add_check(name + ": Matrix " + arg + " is not square"));
  return k;
}

// Checks that the square matrix l (K x K) is a Cholesky factor, as Stan's
// check_cholesky_factor: zero above the diagonal, positive on it.
void check_cholesky_factor(Builder& b, const std::string& name, const std::string& arg, const Elements& l, Value* k,
                           const AddCheck& add_check) {
  int64_t lower = add_check(name + ": Matrix " + arg + " is not lower triangular");
  int64_t diagonal = add_check(name + ": Matrix " + arg + " has a diagonal element that is not positive");
  b.for_loop(b.const_i64(0), k, {}, [&](Builder& in, Value* r, const auto&) {
    in.for_loop(in.const_i64(0), k, {}, [&](Builder& w, Value* c, const auto&) {
      Value* x = real(w, l.element(w, w.op(OpKind::IAdd, {w.op(OpKind::IMul, {r, k}), c})));
      Value* above = w.cmp(CmpPredicate::Gt, c, r);
      w.check(w.op(OpKind::Or, {w.op(OpKind::Not, {above}), w.cmp(CmpPredicate::Eq, x, w.const_f64(0.0))}), lower);
      Value* on = w.cmp(CmpPredicate::Eq, c, r);
      w.check(w.op(OpKind::Or, {w.op(OpKind::Not, {on}), w.cmp(CmpPredicate::Gt, x, w.const_f64(0.0))}), diagonal);
      return std::vector<Value*>{};
    });
    return std::vector<Value*>{};
  });
}

// wishart_cholesky(L_W | nu, L_S) and inv_wishart_cholesky: the (inverse)
// Wishart density of W = L_W L_W' at S = L_S L_S', times the Jacobian of W's
// Cholesky factor, 2^K prod_k L_W,kk^(K - k + 1) (k from 1):
//   wishart: K log 2 (1 - nu / 2) - lmgamma_K(nu / 2) - nu sum log L_S,kk
//            + sum (nu - k) log L_W,kk - |L_S^-1 L_W|^2 / 2;
//   inverse: the same with + nu sum log L_S,kk - sum (nu + k) log L_W,kk - |L_W^-1 L_S|^2 / 2.
Value* wishart_cholesky(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args,
                        const std::vector<bool>& parameter, bool propto, const AddCheck& add_check) {
  const bool inverse = dist == "inv_wishart_cholesky";
  const std::string name = std::string(dist) + "_lpdf";
  Ops o{b};
  const ContainerArg& lw = args[0];
  const ContainerArg& ls = args[2];
  Value* k = square(b, name, "L_W", lw.elements, add_check);
  Value* ks = square(b, name, "L_S", ls.elements, add_check);
  b.check(b.cmp(CmpPredicate::Eq, k, ks), add_check(name + ": the sizes of L_W and L_S differ"));
  Value* nu = real(b, args[1].scalar);
  b.check(b.cmp(CmpPredicate::Gt, nu, o.sub(o.real(k), o.c(1.0))),
          add_check(name + ": Degrees of freedom parameter must be greater than the dimension minus 1"));
  check_cholesky_factor(b, name, "L_W", lw.elements, k, add_check);
  check_cholesky_factor(b, name, "L_S", ls.elements, k, add_check);
  auto log_diagonal = [&](const ContainerArg& l, Builder& in, Value* i) {
    return in.op(OpKind::Log,
                 {real(in, l.elements.element(in, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {i, k}), i})))});
  };
  Value* lp = o.c(0.0);
  if (!propto || parameter[1]) {
    lp = o.sub(o.mul(o.mul(o.real(k), o.c(std::log(2.0))), o.sub(o.c(1.0), o.mul(o.c(0.5), nu))),
               lmgamma(b, k, o.mul(o.c(0.5), nu)));
  }
  if (!propto || parameter[1] || parameter[2]) {
    Value* log_det_s = sum(b, k, [&](Builder& in, Value* i) { return log_diagonal(ls, in, i); });
    lp = inverse ? o.add(lp, o.mul(nu, log_det_s)) : o.sub(lp, o.mul(nu, log_det_s));
  }
  if (!propto || parameter[0] || parameter[1]) {
    lp = o.add(lp, sum(b, k, [&](Builder& in, Value* i) {
                 Ops w{in};
                 Value* j = w.add(w.real(i), w.c(1.0));
                 Value* weight = inverse ? w.neg(w.add(nu, j)) : w.sub(nu, j);
                 return w.mul(weight, log_diagonal(lw, in, i));
               }));
  }
  if (!propto || parameter[0] || parameter[2]) {
    lp = o.sub(lp,
               o.mul(o.c(0.5), inverse ? trace_of_solve(b, lw, ls, add_check) : trace_of_solve(b, ls, lw, add_check)));
  }
  return lp;
}

// Lewandowski, Kurowicka and Joe's normalising constant, as Stan computes it
// (its own closed form when eta is 1).
Value* lkj_constant(Builder& b, Value* eta, Value* k) {
  Ops o{b};
  Value* km1 = b.op(OpKind::ISub, {k, b.const_i64(1)});
  Value* fk = o.real(k);
  Value* fkm1 = o.real(km1);
  const double log_pi = std::log(M_PI), log_two = std::log(2.0);
  // eta != 1: (K - 1) lgamma(eta + (K - 1) / 2) - sum_k (k log(pi) / 2 + lgamma(eta + (K - 1 - k) / 2)).
  Value* general = sum(b, km1, [&](Builder& in, Value* i) {
    Ops w{in};
    Value* kk = w.add(w.real(i), w.c(1.0));
    return w.neg(w.add(w.mul(w.mul(w.c(0.5), kk), w.c(log_pi)),
                       w.lgamma(w.add(eta, w.mul(w.c(0.5), w.sub(w.real(km1), kk))))));
  });
  general = o.add(general, o.mul(fkm1, o.lgamma(o.add(eta, o.mul(o.c(0.5), fkm1)))));
  // eta == 1: -sum_{k <= (K-1)/2} lgamma(2k) and a term by K's parity.
  Value* half = b.op(OpKind::IDiv, {km1, b.const_i64(2)});
  Value* uniform = o.neg(sum(b, half, [&](Builder& in, Value* i) {
    Ops w{in};
    return w.lgamma(w.mul(w.c(2.0), w.add(w.real(i), w.c(1.0))));
  }));
  Value* odd_term = o.sub(o.sub(o.mul(o.mul(o.c(0.25), o.sub(o.mul(fk, fk), o.c(1.0))), o.c(log_pi)),
                                o.mul(o.mul(o.c(0.25), o.mul(fkm1, fkm1)), o.c(log_two))),
                          o.mul(fkm1, o.lgamma(o.mul(o.c(0.5), o.add(fk, o.c(1.0))))));
  Value* even_term = o.sub(o.add(o.add(o.mul(o.mul(o.c(0.25), o.mul(fk, o.sub(fk, o.c(2.0)))), o.c(log_pi)),
                                       o.mul(o.mul(o.c(0.25), o.sub(o.mul(o.c(3.0), o.mul(fk, fk)), o.mul(o.c(4.0), fk))),
                                             o.c(log_two))),
                                 o.mul(fk, o.lgamma(o.mul(o.c(0.5), fk)))),
                           o.mul(fkm1, o.lgamma(fk)));
  Value* odd = b.cmp(CmpPredicate::Eq, b.op(OpKind::IMod, {k, b.const_i64(2)}), b.const_i64(1));
  uniform = o.sub(uniform, o.select(odd, odd_term, even_term));
  return o.select(b.cmp(CmpPredicate::Eq, eta, b.const_f64(1.0)), uniform, general);
}

// lkj_corr_cholesky(L | eta): sum over the diagonal after the first of
// (K - k - 2 + 2 eta - 2) log L_kk (k from 0), plus the constant.
Value* lkj_corr_cholesky(Builder& b, const std::vector<ContainerArg>& args, const std::vector<bool>& parameter,
                         bool propto, const AddCheck& add_check) {
  const Elements& l = args[0].elements;
  VIC_CHECK(l.dims.size() >= 2) << "lkj_corr_cholesky of a matrix of unknown sizes";
  Value* k = l.dims[l.dims.size() - 2];
  b.check(b.cmp(CmpPredicate::Eq, k, l.dims.back()), add_check("lkj_corr_cholesky_lpdf: the matrix is not square"));
  Value* eta = real(b, args[1].scalar);
  b.check(b.cmp(CmpPredicate::Gt, eta, b.const_f64(0.0)), add_check("lkj_corr_cholesky_lpdf: Shape parameter must be positive"));
  int64_t diagonal = add_check("lkj_corr_cholesky_lpdf: the diagonal of the Cholesky factor is not positive");
  Value* km1 = b.op(OpKind::ISub, {k, b.const_i64(1)});
  Value* lp = b.const_f64(0.0);
  if (!propto || parameter[0] || parameter[1]) {
    lp = sum(b, km1, [&](Builder& in, Value* i) {
      Ops w{in};
      Value* at = in.op(OpKind::IAdd, {i, in.const_i64(1)});
      Value* d = real(in, l.element(in, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {at, k}), at})));
      in.check(in.cmp(CmpPredicate::Gt, d, in.const_f64(0.0)), diagonal);
      Value* weight = w.add(w.real(in.op(OpKind::ISub, {in.op(OpKind::ISub, {km1, i}), in.const_i64(1)})),
                            w.sub(w.mul(w.c(2.0), eta), w.c(2.0)));
      return w.mul(weight, w.log(d));
    });
  }
  if (!propto || parameter[1]) lp = b.op(OpKind::FAdd, {lp, lkj_constant(b, eta, k)});
  return lp;
}

// lkj_corr(Sigma | eta): the constant plus (eta - 1) log det Sigma.
Value* lkj_corr(Builder& b, const std::vector<ContainerArg>& args, const std::vector<bool>& parameter, bool propto,
                const AddCheck& add_check) {
  VIC_CHECK(args[0].elements.dims.size() >= 2) << "lkj_corr of a matrix of unknown sizes";
  Value* k = args[0].elements.dims.back();
  Value* eta = real(b, args[1].scalar);
  b.check(b.cmp(CmpPredicate::Gt, eta, b.const_f64(0.0)), add_check("lkj_corr_lpdf: Shape parameter must be positive"));
  Ops o{b};
  Value* lp = o.c(0.0);
  if (!propto || parameter[1]) lp = lkj_constant(b, eta, k);
  if (!propto || parameter[0] || parameter[1]) {
    ContainerArg l = cholesky_factor(b, args[0], add_check);
    lp = o.add(lp, o.mul(o.sub(eta, o.c(1.0)), log_det_from_factor(b, l, k)));
  }
  return lp;
}

// The row-major K x K matrix t as elements.
Elements matrix_elements(Builder& b, Value* t, Value* k) {
  return {b.op(OpKind::IMul, {k, k}), {k, k}, [t](Builder& in, Value* i) { return in.extract(t, i); }, t};
}

// multinomial_rng(theta, N) and multinomial_logit_rng(gamma, N), as Stan
// draws them: category k's count is a binomial draw of the trials left with
// probability theta_k over the mass left (at most 1), until no trial is left;
// the logit form's theta is softmax(gamma) = exp(gamma - log_sum_exp(gamma)).
Elements multinomial_draw(Builder& b, std::string_view dist, const std::vector<ContainerArg>& params,
                          const AddCheck& add_check) {
  const bool logit = dist == "multinomial_logit";
  const std::string name = std::string(dist) + "_rng";
  Vectors theta = vectors(b, params[0]);
  Value* k = theta.size;
  Value* n = params[1].scalar;
  Value* lse = nullptr;
  if (logit) {
    check_finite(b, theta, name + ": Log-probabilities parameter must be finite", add_check);
    lse = build_container_function(b, "log_sum_exp", {params[0]}, add_check)->scalar;
  } else {
    check_simplexes(b, theta, name + ": probabilities is not a valid simplex", add_check);
  }
  b.check(b.cmp(CmpPredicate::Ge, n, b.const_i64(0)),
          add_check(name + ": Number of trials variable must be non-negative"));
  std::vector<Value*> inits = {b.splat(k, b.const_i64(0)), n, b.const_f64(1.0)};
  Value* counts = b.for_loop(b.const_i64(0), k, inits, [&](Builder& in, Value* i, const auto& c) {
    Ops o{in};
    Value* t = theta.at(in, in.const_i64(0), i);
    if (logit) t = o.exp(o.sub(t, lse));
    // p = min(1, theta_k / mass left); rounding cannot make it negative or NaN here.
    Value* p = o.div(t, c[2]);
    p = o.select(in.cmp(CmpPredicate::Gt, p, o.c(1.0)), o.c(1.0), p);
    p = o.select(in.cmp(CmpPredicate::Ge, p, o.c(0.0)), p, o.c(0.0));
    Op* draw = in.create_if(in.cmp(CmpPredicate::Gt, c[1], in.const_i64(0)), {Type::I64});
    Builder some(in.function(), draw->region(0)), none(in.function(), draw->region(1));
    some.set_loc(in.loc());
    some.yield({some.op(OpKind::FToI, {some.rng_call("binomial_rng", {real(some, c[1]), p})})});
    none.yield({none.const_i64(0)});
    Value* y = draw->result();
    return std::vector<Value*>{in.insert(c[0], i, y), in.op(OpKind::ISub, {c[1], y}), o.sub(c[2], t)};
  })[0];
  return {k, {k}, [counts](Builder& in, Value* i) { return in.extract(counts, i); }, counts, Type::I64};
}

// The K x K matrix whose lower triangle is x's, mirrored above the diagonal.
Value* symmetric_from_lower(Builder& b, Value* x, Value* k) {
  Op* gen = b.create_generate(b.op(OpKind::IMul, {k, k}), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* idx = gen->region(0).args[0];
  Value* r = in.op(OpKind::IDiv, {idx, k});
  Value* c = in.op(OpKind::IMod, {idx, k});
  Value* upper = in.cmp(CmpPredicate::Gt, c, r);
  Value* at = in.op(OpKind::Select, {upper, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {c, k}), r}), idx});
  in.yield({in.extract(x, at)});
  return gen->result();
}

// lkj_corr_cholesky_rng(K, eta) by Stan's onion construction: canonical
// partial correlations z_ij = 2 Beta(a_i, a_i) - 1 for column i < row j, with
// a_i = eta + (K - 2 - i) / 2, drawn column by column; then the Cholesky
// factor of their correlation matrix, row j's
//   L_ji = z_ji sqrt(prod_{m < i} (1 - z_jm^2)),  L_jj = sqrt(prod_{m < j} (1 - z_jm^2)).
Value* lkj_corr_cholesky_draw(Builder& b, const std::string& name, Value* k, Value* eta, const AddCheck& add_check) {
  b.check(b.cmp(CmpPredicate::Ge, k, b.const_i64(0)), add_check(name + ": Dimension K must be non-negative"));
  b.check(b.cmp(CmpPredicate::Gt, eta, b.const_f64(0.0)), add_check(name + ": Shape parameter must be positive"));
  Value* kk = b.op(OpKind::IMul, {k, k});
  Value* z = b.for_loop(b.const_i64(0), k, {b.splat(kk, b.const_f64(0.0))}, [&](Builder& in, Value* i, const auto& c) {
    Ops o{in};
    Value* a = o.add(eta, o.mul(o.c(0.5), o.real(in.op(OpKind::ISub, {in.op(OpKind::ISub, {k, i}), in.const_i64(2)}))));
    return std::vector<Value*>{
        in.for_loop(in.op(OpKind::IAdd, {i, in.const_i64(1)}), k, {c[0]}, [&](Builder& w, Value* j, const auto& d) {
          Ops v{w};
          Value* cpc = v.sub(v.mul(v.c(2.0), w.rng_call("beta_rng", {a, a})), v.c(1.0));
          return std::vector<Value*>{w.insert(d[0], w.op(OpKind::IAdd, {w.op(OpKind::IMul, {j, k}), i}), cpc)};
        })[0]};
  })[0];
  Op* gen = b.create_generate(kk, Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* idx = gen->region(0).args[0];
  Value* r = in.op(OpKind::IDiv, {idx, k});
  Value* c = in.op(OpKind::IMod, {idx, k});
  Value* row = in.op(OpKind::IMul, {r, k});
  Value* upper = in.cmp(CmpPredicate::Gt, c, r);
  Value* last = in.op(OpKind::Select, {upper, r, c});
  Value* left = in.for_loop(in.const_i64(0), last, {in.const_f64(1.0)}, [&](Builder& w, Value* m, const auto& acc) {
    Ops v{w};
    return std::vector<Value*>{v.mul(acc[0], v.sub(v.c(1.0), v.square(w.extract(z, w.op(OpKind::IAdd, {row, m})))))};
  })[0];
  Ops o{in};
  Value* root = in.op(OpKind::Sqrt, {left});
  Value* below = o.mul(in.extract(z, idx), root);
  in.yield({o.select(upper, o.c(0.0), o.select(in.cmp(CmpPredicate::Eq, c, r), root, below))});
  return gen->result();
}

// The Bartlett factor A of a Wishart(nu, I) draw A A': lower triangular, row
// j standard normals left of the diagonal, then sqrt(chi2(nu - j)) on it,
// drawn row by row (Stan's wishart_rng draws B = A' column by column).
Value* bartlett_factor(Builder& b, Value* nu, Value* k) {
  Value* kk = b.op(OpKind::IMul, {k, k});
  return b.for_loop(b.const_i64(0), k, {b.splat(kk, b.const_f64(0.0))}, [&](Builder& in, Value* j, const auto& c) {
    Value* row = in.op(OpKind::IMul, {j, k});
    Value* t = in.for_loop(in.const_i64(0), j, {c[0]}, [&](Builder& w, Value* i, const auto& d) {
      Value* x = w.rng_call("normal_rng", {w.const_f64(0.0), w.const_f64(1.0)});
      return std::vector<Value*>{w.insert(d[0], w.op(OpKind::IAdd, {row, i}), x)};
    })[0];
    Value* chi = in.rng_call("chi_square_rng", {in.op(OpKind::FSub, {nu, real(in, j)})});
    return std::vector<Value*>{in.insert(t, in.op(OpKind::IAdd, {row, j}), in.op(OpKind::Sqrt, {chi}))};
  })[0];
}

// wishart_rng(nu, S) = L A A' L' with S = L L' and A Bartlett's; inv_wishart_rng(nu, S)
// the inverse of wishart_rng(nu, S^-1); wishart_cholesky_rng(nu, L_S) = L_S A,
// the Cholesky factor of a Wishart draw; inv_wishart_cholesky_rng(nu, L_S) the
// Cholesky factor of inv_wishart_rng(nu, L_S L_S'). Each checks nu > K - 1 and
// its scale matrix (a Cholesky factor for the _cholesky forms), as Stan does.
Value* wishart_draw(Builder& b, std::string_view dist, Value* nu, const Elements& scale, const AddCheck& add_check) {
  const std::string name = std::string(dist) + "_rng";
  const bool cholesky = dist == "wishart_cholesky" || dist == "inv_wishart_cholesky";
  const bool inverse = dist == "inv_wishart" || dist == "inv_wishart_cholesky";
  Value* k = square(b, name, cholesky ? "L_S" : "Sigma", scale, add_check);
  Value* kk = b.op(OpKind::IMul, {k, k});
  Ops o{b};
  b.check(b.cmp(CmpPredicate::Gt, nu, o.sub(o.real(k), o.c(1.0))),
          add_check(name + ": Degrees of freedom parameter must be greater than the dimension minus 1"));
  auto matrix = [&](Value* t) { return ContainerArg{ArgShape::Matrix, nullptr, matrix_elements(b, t, k)}; };
  if (cholesky) {
    check_cholesky_factor(b, name, "L_S", scale, k, add_check);
    if (!inverse) return b.op(OpKind::MatMul, {as_tensor(b, scale), bartlett_factor(b, nu, k), k, k, k, kk});
  }
  Elements s = scale;
  if (cholesky) {
    // S = L_S L_S'.
    s = build_container_function(b, "multiply_lower_tri_self_transpose", {{ArgShape::Matrix, nullptr, scale}},
                                 add_check)
            ->elements;
  } else {
    cholesky_decompose(b, scale, add_check, name, "Sigma");  // Stan's checks of S, by name
  }
  if (inverse) s = build_container_function(b, "inverse_spd", {{ArgShape::Matrix, nullptr, s}}, add_check)->elements;
  Value* l = cholesky_decompose(b, s, add_check, name, "Sigma").tensor;
  Value* la = b.op(OpKind::MatMul, {l, bartlett_factor(b, nu, k), k, k, k, kk});
  Value* w = symmetric_from_lower(b, b.op(OpKind::MatMulNT, {la, la, k, k, k, kk}), k);
  if (!inverse) return w;
  Value* inv = as_tensor(b, build_container_function(b, "inverse_spd", {matrix(w)}, add_check)->elements);
  if (!cholesky) return inv;
  return cholesky_decompose(b, matrix_elements(b, inv, k), add_check, name, "Sigma").tensor;
}

// multi_normal_rng(mu, Sigma) and multi_normal_cholesky_rng(mu, L): mu + L z
// with z standard normal draws, one z per location vector when mu is an array
// of them; multi_student_t_rng(nu, mu, Sigma) and multi_student_t_cholesky_rng
// scale every L z by sqrt(w), w = InvGamma(nu / 2, nu / 2) drawn once first (Stan's).
Elements multi_normal_draws(Builder& b, std::string_view dist, const std::vector<ContainerArg>& params,
                            const AddCheck& add_check) {
  const std::string name = std::string(dist) + "_rng";
  const bool student = dist == "multi_student_t" || dist == "multi_student_t_cholesky";
  const bool cholesky = dist == "multi_normal_cholesky" || dist == "multi_student_t_cholesky";
  Value* scale = nullptr;
  if (student) {
    Value* nu = real(b, params[0].scalar);
    b.check(b.cmp(CmpPredicate::Gt, nu, b.const_f64(0.0)),
            add_check(name + ": Degrees of freedom parameter must be positive"));
    Value* half = b.op(OpKind::FMul, {b.const_f64(0.5), nu});
    scale = b.op(OpKind::Sqrt, {b.rng_call("inv_gamma_rng", {half, half})});
  }
  Vectors mu = vectors(b, params[student ? 1 : 0]);
  Value* k = mu.size;
  int64_t finite = add_check(name + ": Location parameter must be finite");
  b.for_loop(b.const_i64(0), mu.count, {}, [&](Builder& in, Value* n, const auto&) {
    in.for_loop(in.const_i64(0), k, {}, [&](Builder& w, Value* i, const auto&) {
      w.check(w.cmp(CmpPredicate::Lt, w.op(OpKind::Fabs, {mu.at(w, n, i)}), w.const_f64(HUGE_VAL)), finite);
      return std::vector<Value*>{};
    });
    return std::vector<Value*>{};
  });
  Elements l = params[student ? 2 : 1].elements;
  Value* rows = square(b, name, cholesky ? "L" : "Sigma", l, add_check);
  b.check(b.cmp(CmpPredicate::Eq, rows, k), add_check(name + ": the sizes of mu and the scale matrix differ"));
  if (!cholesky) l = cholesky_decompose(b, l, add_check, name, "Sigma");
  Value* l_tensor = as_tensor(b, l);
  Value* size = b.op(OpKind::IMul, {mu.count, k});
  Value* out = b.for_loop(
      b.const_i64(0), mu.count, {b.splat(size, b.const_f64(0.0))}, [&](Builder& in, Value* n, const auto& c) {
        Value* z =
            in.for_loop(in.const_i64(0), k, {in.splat(k, in.const_f64(0.0))}, [&](Builder& w, Value* i, const auto& d) {
              return std::vector<Value*>{
                  w.insert(d[0], i, w.rng_call("normal_rng", {w.const_f64(0.0), w.const_f64(1.0)}))};
            })[0];
        Value* lz = in.op(OpKind::MatVec, {l_tensor, z, k, k});
        Value* at = in.op(OpKind::IMul, {n, k});
        return std::vector<Value*>{in.for_loop(in.const_i64(0), k, {c[0]}, [&](Builder& w, Value* i, const auto& d) {
          Ops o{w};
          Value* x = w.extract(lz, i);
          if (scale) x = o.mul(scale, x);
          return std::vector<Value*>{w.insert(d[0], w.op(OpKind::IAdd, {at, i}), o.add(mu.at(w, n, i), x))};
        })[0]};
      })[0];
  std::vector<Value*> dims = mu.single ? std::vector<Value*>{k} : std::vector<Value*>{mu.count, k};
  return {size, dims, [out](Builder& in, Value* i) { return in.extract(out, i); }, out};
}

}  // namespace

bool is_multivariate(std::string_view dist) {
  return dist == "dirichlet" || dist == "categorical" || dist == "categorical_logit" || dist == "multi_normal" ||
         dist == "multi_normal_cholesky" || dist == "lkj_corr_cholesky" || dist == "ordered_logistic" ||
         dist == "ordered_probit" || dist == "multinomial" || dist == "multi_student_t" || dist == "wishart" ||
         dist == "inv_wishart" || dist == "lkj_corr" || dist == "poisson_binomial" || dist == "multinomial_logit" ||
         dist == "multi_student_t_cholesky" || dist == "wishart_cholesky" || dist == "inv_wishart_cholesky";
}

Value* build_multivariate_density(Builder& b, std::string_view dist, const std::vector<ContainerArg>& args,
                                  const std::vector<bool>& parameter, bool propto, const AddCheck& add_check) {
  if (dist == "dirichlet") return dirichlet(b, args, parameter, propto, add_check);
  if (dist == "lkj_corr_cholesky") return lkj_corr_cholesky(b, args, parameter, propto, add_check);
  if (dist == "ordered_logistic" || dist == "ordered_probit") return ordered(b, dist, args, add_check);
  if (dist == "categorical" || dist == "categorical_logit") return categorical(b, dist, args, add_check);
  if (dist == "multi_normal_cholesky") {
    return multi_normal_cholesky(b, dist, args[0], args[1], args[2], parameter[2], propto, add_check);
  }
  if (dist == "multinomial" || dist == "multinomial_logit") return multinomial(b, dist, args, propto, add_check);
  if (dist == "wishart" || dist == "inv_wishart") return wishart(b, dist, args, parameter, propto, add_check);
  if (dist == "lkj_corr") return lkj_corr(b, args, parameter, propto, add_check);
  if (dist == "wishart_cholesky" || dist == "inv_wishart_cholesky") {
    return wishart_cholesky(b, dist, args, parameter, propto, add_check);
  }
  if (dist == "poisson_binomial") return poisson_binomial(b, args, parameter, propto, add_check);
  if (dist == "multi_student_t" || dist == "multi_student_t_cholesky") {
    Value* nu = real(b, args[1].scalar);
    b.check(b.cmp(CmpPredicate::Gt, nu, b.const_f64(0.0)),
            add_check(std::string(dist) + "_lpdf: Degrees of freedom parameter must be positive"));
    ContainerArg factor = args[3];
    if (dist == "multi_student_t") {
      factor = {ArgShape::Matrix, nullptr,
                build_container_function(b, "cholesky_decompose", {args[3]}, add_check)->elements};
    }
    return multi_normal_cholesky(b, dist, args[0], args[2], factor, parameter[3], propto, add_check, nu, parameter[1]);
  }
  VIC_CHECK(dist == "multi_normal") << "not a multivariate distribution: " << dist;
  // Through the Cholesky factor of Sigma, whose kernel checks it.
  std::optional<ContainerResult> l = build_container_function(b, "cholesky_decompose", {args[2]}, add_check);
  ContainerArg factor{ArgShape::Matrix, nullptr, l->elements};
  return multi_normal_cholesky(b, dist, args[0], args[1], factor, parameter[2], propto, add_check);
}

ContainerResult build_multivariate_rng(Builder& b, std::string_view dist, const std::vector<ContainerArg>& params,
                                       const AddCheck& add_check) {
  ContainerResult r;
  const std::string name = std::string(dist) + "_rng";
  if (dist == "multinomial" || dist == "multinomial_logit") {
    r.elements = multinomial_draw(b, dist, params, add_check);
    return r;
  }
  if (dist == "lkj_corr_cholesky" || dist == "lkj_corr") {
    Value* k = params[0].scalar;
    Value* l = lkj_corr_cholesky_draw(b, name, k, real(b, params[1].scalar), add_check);
    Value* kk = b.op(OpKind::IMul, {k, k});
    if (dist == "lkj_corr") {
      // L L', its lower triangle mirrored so that it is exactly symmetric.
      l = symmetric_from_lower(b, b.op(OpKind::MatMulNT, {l, l, k, k, k, kk}), k);
    }
    r.elements = matrix_elements(b, l, k);
    return r;
  }
  if (dist == "wishart" || dist == "inv_wishart" || dist == "wishart_cholesky" || dist == "inv_wishart_cholesky") {
    r.elements = matrix_elements(b, wishart_draw(b, dist, real(b, params[0].scalar), params[1].elements, add_check),
                                 params[1].elements.dims.back());
    return r;
  }
  if (dist == "ordered_logistic" || dist == "ordered_probit") {
    // The first category k with u < P(y <= k) = F(c_k - eta), else the last.
    Value* eta = real(b, params[0].scalar);
    Vectors c = vectors(b, params[1]);
    Value* u = b.rng_call("uniform_rng", {b.const_f64(0.0), b.const_f64(1.0)});
    Value* none = b.const_i64(0);
    std::vector<Value*> out = b.for_loop(b.const_i64(0), c.size, {none}, [&](Builder& in, Value* i, const auto& t) {
      Ops o{in};
      Value* x = o.sub(c.at(in, in.const_i64(0), i), eta);
      Value* f = dist == "ordered_logistic" ? in.op(OpKind::InvLogit, {x})
                                            : o.mul(o.c(0.5), in.op(OpKind::Erfc, {o.mul(o.c(-M_SQRT1_2), x)}));
      Value* first = in.op(OpKind::And, {in.cmp(CmpPredicate::Eq, t[0], none), in.cmp(CmpPredicate::Lt, u, f)});
      return std::vector<Value*>{in.op(OpKind::Select, {first, in.op(OpKind::IAdd, {i, in.const_i64(1)}), t[0]})};
    });
    r.scalar = b.op(OpKind::Select, {b.cmp(CmpPredicate::Eq, out[0], none), b.op(OpKind::IAdd, {c.size, b.const_i64(1)}), out[0]});
    return r;
  }
  Vectors theta = vectors(b, params[0]);
  Value* k = theta.size;
  Value* zero = b.const_i64(0);
  if (dist == "poisson_binomial") {
    // The successes of N Bernoulli draws, a uniform draw below theta_i each.
    check_probabilities(b, theta, "poisson_binomial_rng", add_check);
    r.scalar = b.for_loop(b.const_i64(0), k, {zero}, [&](Builder& in, Value* i, const auto& c) {
      Value* u = in.rng_call("uniform_rng", {in.const_f64(0.0), in.const_f64(1.0)});
      Value* success = in.cmp(CmpPredicate::Lt, u, theta.at(in, in.const_i64(0), i));
      return std::vector<Value*>{in.op(OpKind::IAdd, {c[0], in.op(OpKind::Select, {success, in.const_i64(1), in.const_i64(0)})})};
    })[0];
    return r;
  }
  if (dist == "categorical" || dist == "categorical_logit") {
    // The first category whose cumulative probability passes a uniform draw.
    Value* norm = b.const_f64(1.0);
    std::function<Value*(Builder&, Value*)> weight = [&](Builder& in, Value* i) { return theta.at(in, zero, i); };
    if (dist == "categorical_logit") {
      weight = [&](Builder& in, Value* i) { return in.op(OpKind::Exp, {theta.at(in, zero, i)}); };
      norm = sum(b, k, weight);
    } else {
      check_simplexes(b, theta, "categorical_rng: probabilities is not a valid simplex", add_check);
    }
    Value* u = b.op(OpKind::FMul, {b.rng_call("uniform_rng", {b.const_f64(0.0), b.const_f64(1.0)}), norm});
    std::vector<Value*> out = b.for_loop(b.const_i64(0), k, {b.const_f64(0.0), zero}, [&](Builder& in, Value* i, const auto& c) {
      Value* cum = in.op(OpKind::FAdd, {c[0], weight(in, i)});
      Value* first = in.op(OpKind::And, {in.cmp(CmpPredicate::Eq, c[1], in.const_i64(0)), in.cmp(CmpPredicate::Lt, u, cum)});
      return std::vector<Value*>{cum, in.op(OpKind::Select, {first, in.op(OpKind::IAdd, {i, in.const_i64(1)}), c[1]})};
    });
    // Rounding may leave u past the last cumulative sum: the last category.
    r.scalar = b.op(OpKind::Select, {b.cmp(CmpPredicate::Eq, out[1], zero), k, out[1]});
    return r;
  }
  if (dist == "dirichlet") {
    // Gamma(alpha_k, 1) draws, normalised.
    Op* gen = b.create_generate(k, Type::F64, "k");
    {
      Builder in(b.function(), gen->region(0));
      in.yield({in.rng_call("gamma_rng", {theta.at(in, zero, gen->region(0).args[0]), in.const_f64(1.0)})});
    }
    Value* g = gen->result();
    Value* s = sum(b, k, [&](Builder& in, Value* i) { return in.extract(g, i); });
    r.elements = {k, {k}, [g, s](Builder& in, Value* i) { return in.op(OpKind::FDiv, {in.extract(g, i), s}); }};
    return r;
  }
  r.elements = multi_normal_draws(b, dist, params, add_check);
  return r;
}

}  // namespace vic::stdlib
