// run_pathfinder: Stan's single- and multi-path Pathfinder over vic's Model.
// The approximation at an iterate follows the paper's compact form of the
// L-BFGS inverse Hessian, H = diag(alpha) + [alpha Y, S] M [alpha Y, S]', kept
// factored through a thin QR so a draw costs O(dim * history) whatever the
// dimension. Two departures from Stan: a history pair without positive
// curvature is left out (as the paper says) rather than kept; and a draw uses
// the lower Cholesky factor of I + R M R', which gives the covariance H
// (Stan's sparse branch multiplies by the upper one, which does not).
#include "runtime/pathfinder.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
#include <sstream>
#include <thread>

#include "runtime/dense_matrix.h"
#include "runtime/format.h"
#include "runtime/psis.h"

namespace vic::runtime {

namespace {

using Vector = std::vector<double>;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Stan's check_curve: positive curvature, and not so sharp (y'y / s'y above
// 1e12) that the estimate would be numerically singular.
bool usable_pair(const Vector& s, const Vector& y) {
  const double sy = dot(y, s);
  return sy > 0 && std::fabs(dot(y, y) / sy) <= 1e12;
}

}  // namespace

void NormalApproximation::transform(const double* u, double* x) const {
  const size_t n = center.size();
  const size_t k = rank;
  Vector v(k, 0.0);
  Vector w(k, 0.0);
  // v = Q' u; w = (L - I) v; z = Q w + u; x = center + sqrt(alpha) .* z.
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < n; ++i) v[j] += q[i + j * n] * u[i];
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j <= i; ++j) w[i] += l[i + j * k] * v[j];
    w[i] -= v[i];
  }
  for (size_t i = 0; i < n; ++i) {
    double z = u[i];
    for (size_t j = 0; j < k; ++j) z += q[i + j * n] * w[j];
    x[i] = center[i] + std::sqrt(alpha[i]) * z;
  }
}

double NormalApproximation::log_density(const double* u) const {
  double uu = 0;
  for (size_t i = 0; i < center.size(); ++i) uu += u[i] * u[i];
  return -log_det_cholesky - 0.5 * (uu + static_cast<double>(center.size()) * std::log(2 * std::numbers::pi));
}

double NormalApproximation::log_density_at(const double* x) const {
  // z = (x - center) ./ sqrt(alpha) = u + Q (L - I) Q' u. With u = Q v + w
  // (w orthogonal to Q's columns), z = Q L v + w: v = L^-1 Q' z, w = z - Q Q' z.
  const size_t n = center.size();
  const size_t k = rank;
  Vector z(n);
  for (size_t i = 0; i < n; ++i) z[i] = (x[i] - center[i]) / std::sqrt(alpha[i]);
  Vector qz(k, 0.0);
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < n; ++i) qz[j] += q[i + j * n] * z[i];
  Vector v = qz;
  if (k > 0) {
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, static_cast<int>(k), l.data(),
                static_cast<int>(k), v.data(), 1);
  }
  // |u|^2 = |v|^2 + |w|^2 and |w|^2 = |z|^2 - |Q' z|^2.
  double uu = 0;
  for (size_t i = 0; i < n; ++i) uu += z[i] * z[i];
  for (size_t j = 0; j < k; ++j) uu += v[j] * v[j] - qz[j] * qz[j];
  return -log_det_cholesky - 0.5 * (uu + static_cast<double>(n) * std::log(2 * std::numbers::pi));
}

std::vector<double> NormalApproximation::covariance() const {
  // H's column j is H^(1/2) (H^(1/2))' e_j; with B = H^(1/2) = transform minus
  // the centre, H = B B'.
  const size_t n = center.size();
  Vector b(n * n);
  Vector u(n, 0.0);
  Vector x(n);
  for (size_t j = 0; j < n; ++j) {
    u[j] = 1.0;
    transform(u.data(), x.data());
    for (size_t i = 0; i < n; ++i) b[i + j * n] = x[i] - center[i];
    u[j] = 0.0;
  }
  Vector h(n * n, 0.0);
  const int ni = static_cast<int>(n);
  if (n > 0) cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, ni, ni, ni, 1.0, b.data(), ni, b.data(), ni, 0.0, h.data(), ni);
  return h;
}

void update_diagonal_estimate(std::vector<double>& alpha, const std::vector<double>& s, const std::vector<double>& y) {
  double y_alpha_y = 0;
  double s_alpha_inv_s = 0;
  for (size_t i = 0; i < alpha.size(); ++i) {
    y_alpha_y += y[i] * alpha[i] * y[i];
    s_alpha_inv_s += s[i] * s[i] / alpha[i];
  }
  const double y_s = dot(y, s);
  for (size_t i = 0; i < alpha.size(); ++i) {
    const double ratio = s[i] / alpha[i];
    alpha[i] = y_s / (y_alpha_y / alpha[i] + y[i] * y[i] - (y_alpha_y / s_alpha_inv_s) * ratio * ratio);
  }
}

Expected<NormalApproximation> approximate_at(const std::vector<double>& x, const std::vector<double>& grad,
                                             const std::vector<std::vector<double>>& s,
                                             const std::vector<std::vector<double>>& y,
                                             const std::vector<double>& alpha) {
  const int n = static_cast<int>(x.size());
  const int m = static_cast<int>(s.size());
  NormalApproximation a;
  a.alpha = alpha;
  a.center = x;
  double half_log_det_alpha = 0;
  for (double v : alpha) {
    if (!(v > 0) || !std::isfinite(v)) return Error{"the diagonal estimate is not positive and finite"};
    half_log_det_alpha += 0.5 * std::log(v);
  }
  // alpha .* g, the diagonal part of H g.
  Vector alpha_g(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) alpha_g[i] = alpha[i] * grad[i];
  if (m == 0) {
    for (int i = 0; i < n; ++i) a.center[i] -= alpha_g[i];
    a.log_det_cholesky = half_log_det_alpha;
    return a;
  }
  auto at = [](Vector& matrix, int rows, int i, int j) -> double& { return matrix[i + j * rows]; };
  // R = upper(S' Y), its diagonal D; N = -R^-1 S' (m x n).
  Vector r(static_cast<size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = i; j < m; ++j) at(r, m, i, j) = dot(s[i], y[j]);
  Vector nmat(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) at(nmat, m, i, j) = s[i][j];
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, m, n, -1.0, r.data(), m, nmat.data(), m);
  // Y' diag(alpha) Y + D (m x m).
  Vector yay(static_cast<size_t>(m) * m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) {
      double sum = i == j ? at(r, m, i, i) : 0.0;
      for (int p = 0; p < n; ++p) sum += y[i][p] * alpha[p] * y[j][p];
      at(yay, m, i, j) = sum;
    }
  // W = [sqrt(alpha) .* Y, N' ./ sqrt(alpha)] (n x 2m), so that
  // H = diag(sqrt(alpha)) (I + W M W') diag(sqrt(alpha)) with M = [0 I; I yay].
  const int c = 2 * m;
  Vector w(static_cast<size_t>(n) * c);
  for (int j = 0; j < m; ++j)
    for (int i = 0; i < n; ++i) {
      at(w, n, i, j) = std::sqrt(alpha[i]) * y[j][i];
      at(w, n, i, m + j) = at(nmat, m, j, i) / std::sqrt(alpha[i]);
    }
  Vector rbar;
  thin_qr(static_cast<size_t>(n), static_cast<size_t>(c), std::move(w), a.q, rbar);
  const int k = std::min(n, c);
  a.rank = static_cast<size_t>(k);
  // I + Rbar M Rbar' (k x k).
  Vector mbar(static_cast<size_t>(c) * c, 0.0);
  for (int i = 0; i < m; ++i) {
    at(mbar, c, i, m + i) = 1.0;
    at(mbar, c, m + i, i) = 1.0;
    for (int j = 0; j < m; ++j) at(mbar, c, m + i, m + j) = at(yay, m, i, j);
  }
  Vector rm(static_cast<size_t>(k) * c);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, c, c, 1.0, rbar.data(), k, mbar.data(), c, 0.0, rm.data(), k);
  a.l.assign(static_cast<size_t>(k) * k, 0.0);
  for (int i = 0; i < k; ++i) at(a.l, k, i, i) = 1.0;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, k, k, c, 1.0, rm.data(), k, rbar.data(), k, 1.0, a.l.data(), k);
  if (!cholesky_lower(static_cast<size_t>(k), a.l)) return Error{"the inverse-Hessian estimate is not positive definite"};
  a.log_det_cholesky = half_log_det_alpha;
  for (int i = 0; i < k; ++i) a.log_det_cholesky += std::log(std::fabs(at(a.l, k, i, i)));
  // H g = alpha .* g + alpha .* (Y (N g)) + N' (Y' (alpha .* g) + yay (N g)).
  Vector ng(static_cast<size_t>(m), 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) ng[i] += at(nmat, m, i, j) * grad[j];
  Vector inner(static_cast<size_t>(m), 0.0);
  for (int i = 0; i < m; ++i) {
    inner[i] = dot(y[i], alpha_g);
    for (int j = 0; j < m; ++j) inner[i] += at(yay, m, i, j) * ng[j];
  }
  for (int p = 0; p < n; ++p) {
    double y_ng = 0;
    double n_inner = 0;
    for (int i = 0; i < m; ++i) {
      y_ng += y[i][p] * ng[i];
      n_inner += at(nmat, m, i, p) * inner[i];
    }
    a.center[p] -= alpha_g[p] + alpha[p] * y_ng + n_inner;
  }
  return a;
}

namespace {

// Draws from one approximation: unconstrained points (row-major), log q, log p.
struct ApproximateDraws {
  Vector points;
  Vector log_q;
  Vector log_p;

  void append(const ApproximateDraws& more) {
    points.insert(points.end(), more.points.begin(), more.points.end());
    log_q.insert(log_q.end(), more.log_q.begin(), more.log_q.end());
    log_p.insert(log_p.end(), more.log_p.begin(), more.log_p.end());
  }
};

// One path's work and results.
class Path {
 public:
  Path(const Model& model, const PathfinderSettings& settings, uint64_t seed, int index)
      : model_(model),
        settings_(settings),
        rng_(static_cast<uint32_t>(seed >> 32), 1, static_cast<uint32_t>(seed), static_cast<uint32_t>(index + 1)),
        index_(index),
        dim_(model.dim()) {}

  // Runs L-BFGS, scores each iterate's approximation, and draws `num_draws`
  // from the best. Sets summary.failure instead of returning an error unless
  // a fatal check ended it (Error).
  Status run(int num_draws, const LogLine& log) {
    auto prefix = "Path [" + std::to_string(index_ + 1) + "]: ";
    Expected<Vector> init = initialize_unconstrained(model_, rng_, settings_.init_radius,
                                                     settings_.init.empty() ? nullptr : &settings_.init, log,
                                                     &summary.num_lp_calls, &summary.num_lp_grad_calls);
    if (!init) {
      summary.failure = init.error();
      return Status::ok();
    }
    alpha_.assign(dim_, 1.0);
    Objective objective = [&](const Vector& x, double* f, Vector& grad) {
      EvalError error = 0;
      ++summary.num_lp_grad_calls;
      *f = -model_.lp_grad(x.data(), grad.data(), &error);
      if (ends_fit(error)) return Evaluation::Fatal;
      for (double& g : grad) g = -g;
      return error == 0 ? Evaluation::Ok : Evaluation::Failed;
    };
    IterateCallback on_iterate = [&](const LbfgsIterate& it) { return score_iterate(it); };
    Expected<LbfgsResult> lbfgs = minimize_lbfgs(objective, init.take(), settings_.lbfgs, on_iterate);
    if (!fatal_.empty()) return Error{fatal_};
    if (!lbfgs) {
      summary.failure = lbfgs.error();
      return Status::ok();
    }
    summary.lbfgs_iterations = lbfgs->iterations;
    summary.lbfgs_termination = describe_termination(lbfgs->termination);
    if (lbfgs->termination == LbfgsTermination::LineSearchFailed && lbfgs->iterations < 2) {
      summary.failure = "L-BFGS failed to start: " + summary.lbfgs_termination;
      return Status::ok();
    }
    if (summary.best_iteration < 0) {
      summary.failure = "no iterate's approximation had a finite ELBO";
      return Status::ok();
    }
    if (log) {
      log(prefix + "best iteration " + std::to_string(summary.best_iteration) + ", ELBO " +
          format_shortest(summary.best_elbo) + " (" + std::to_string(summary.num_lp_grad_calls) + " gradients, " +
          std::to_string(summary.num_lp_calls) + " densities; L-BFGS: " + summary.lbfgs_termination + ")");
    }
    summary.approximation = best_;
    // Stan's order: the ELBO draws of the best iterate first, then new ones.
    draws = std::move(best_draws_);
    const int more = num_draws - static_cast<int>(draws.log_q.size());
    if (more > 0) {
      ApproximateDraws extra;
      if (Status s = draw(best_, more, extra); !s) return s;
      draws.append(extra);
    } else {
      draws.points.resize(static_cast<size_t>(num_draws) * dim_);
      draws.log_q.resize(static_cast<size_t>(num_draws));
      draws.log_p.resize(static_cast<size_t>(num_draws));
    }
    return Status::ok();
  }

  // Constrains draws.points into rows of `out` (2 diagnostic columns, then
  // the outputs), in order, with this path's generator.
  void constrain_draws(Vector& out, size_t num_columns, size_t* num_errors, std::string* first_error) {
    const size_t count = draws.log_q.size();
    out.assign(count * num_columns, 0.0);
    for (size_t d = 0; d < count; ++d) {
      double* row = out.data() + d * num_columns;
      row[0] = draws.log_q[d];
      row[1] = draws.log_p[d];
      EvalError error = 0;
      model_.constrain(draws.points.data() + d * dim_, rng_, row + 2, &error);
      if (error != 0) {
        if (*num_errors == 0) *first_error = model_.describe_error(error);
        ++*num_errors;
        for (size_t c = 2; c < num_columns; ++c) row[c] = std::numeric_limits<double>::quiet_NaN();
      }
    }
  }

  PathSummary summary;
  ApproximateDraws draws;

 private:
  bool ends_fit(EvalError error) {
    if (error == 0 || !model_.is_fatal(error)) return false;
    fatal_ = model_.describe_error(error);
    return true;
  }

  // `count` draws from `q` with their log densities; an Error only for a
  // fatal check.
  Status draw(const NormalApproximation& q, int count, ApproximateDraws& out) {
    out.points.resize(static_cast<size_t>(count) * dim_);
    out.log_q.resize(static_cast<size_t>(count));
    out.log_p.resize(static_cast<size_t>(count));
    Vector u(dim_);
    for (int d = 0; d < count; ++d) {
      standard_normals(rng_, u.data(), dim_);
      double* x = out.points.data() + static_cast<size_t>(d) * dim_;
      q.transform(u.data(), x);
      out.log_q[d] = q.log_density(u.data());
      EvalError error = 0;
      ++summary.num_lp_calls;
      double lp = model_.lp(x, &error);
      if (ends_fit(error)) return Error{fatal_};
      out.log_p[d] = error == 0 && !std::isnan(lp) ? lp : -kInf;
    }
    return Status::ok();
  }

  // The history update and ELBO of one accepted iterate; false on a fatal check.
  bool score_iterate(const LbfgsIterate& it) {
    if (it.iteration > 0) {
      Vector s(dim_);
      Vector y(dim_);
      for (size_t i = 0; i < dim_; ++i) {
        s[i] = it.x[i] - previous_x_[i];
        y[i] = it.grad[i] - previous_grad_[i];
      }
      if (usable_pair(s, y)) {
        update_diagonal_estimate(alpha_, s, y);
        if (s_.size() == static_cast<size_t>(settings_.lbfgs.history_size)) {
          s_.pop_front();
          y_.pop_front();
        }
        s_.push_back(std::move(s));
        y_.push_back(std::move(y));
      }
    }
    previous_x_ = it.x;
    previous_grad_ = it.grad;
    if (it.iteration == 0) return true;
    Expected<NormalApproximation> q =
        approximate_at(it.x, it.grad, {s_.begin(), s_.end()}, {y_.begin(), y_.end()}, alpha_);
    if (!q) return true;  // this iterate has no approximation; L-BFGS goes on
    ApproximateDraws elbo_draws;
    if (!draw(*q, settings_.num_elbo_draws, elbo_draws)) return false;
    double elbo = 0;
    for (size_t d = 0; d < elbo_draws.log_q.size(); ++d) elbo += elbo_draws.log_p[d] - elbo_draws.log_q[d];
    elbo /= static_cast<double>(elbo_draws.log_q.size());
    if (summary.best_iteration < 0 ? !std::isnan(elbo) && elbo > -kInf : elbo > summary.best_elbo) {
      summary.best_iteration = it.iteration;
      summary.best_elbo = elbo;
      best_ = q.take();
      best_draws_ = std::move(elbo_draws);
    }
    return true;
  }

  const Model& model_;
  const PathfinderSettings& settings_;
  Rng rng_;
  int index_;
  size_t dim_;
  std::deque<Vector> s_;
  std::deque<Vector> y_;
  Vector alpha_;
  Vector previous_x_;
  Vector previous_grad_;
  NormalApproximation best_;
  ApproximateDraws best_draws_;
  std::string fatal_;
};

Status check_settings(const PathfinderSettings& s) {
  auto positive = [](const char* what, int value) -> Status {
    if (value > 0) return Status::ok();
    return Error{std::string("Pathfinder: ") + what + " must be positive, but is " + std::to_string(value)};
  };
  for (Status status : {positive("paths", s.num_paths), positive("ELBO draws", s.num_elbo_draws),
                        positive("draws per path", s.draws_per_path), positive("draws", s.num_draws),
                        positive("threads", s.threads)}) {
    if (!status) return status;
  }
  if (!(s.init_radius >= 0) || !std::isfinite(s.init_radius)) {
    return Error{"Pathfinder: init radius must be non-negative and finite, but is " + format_shortest(s.init_radius)};
  }
  return Status::ok();
}

}  // namespace

Expected<PathfinderResult> run_pathfinder(const Model& model, const PathfinderSettings& settings, uint64_t seed,
                                          const LogLine& log, const LogLine& warn) {
  if (Status s = check_settings(settings); !s) return Error{s.error()};
  const int num_paths = settings.num_paths;
  // A single path returns its own draws, as CmdStan's num_paths=1 does.
  const int draws_per_path = num_paths == 1 ? settings.num_draws : settings.draws_per_path;
  std::vector<std::unique_ptr<Path>> paths;
  for (int p = 0; p < num_paths; ++p) paths.push_back(std::make_unique<Path>(model, settings, seed, p));
  std::vector<Status> statuses(static_cast<size_t>(num_paths), Status::ok());
  std::vector<Vector> rows(static_cast<size_t>(num_paths));
  std::vector<size_t> constrain_errors(static_cast<size_t>(num_paths), 0);
  std::vector<std::string> first_constrain_error(static_cast<size_t>(num_paths));
  const size_t num_columns = 2 + model.output_names().size();
  // Progress lines from several threads would interleave: only one thread logs.
  auto work = [&](int p) {
    statuses[p] = paths[p]->run(draws_per_path, settings.threads == 1 ? log : LogLine{});
    if (statuses[p] && paths[p]->summary.failure.empty())
      paths[p]->constrain_draws(rows[p], num_columns, &constrain_errors[p], &first_constrain_error[p]);
  };
  const int threads = std::min(settings.threads, num_paths);
  if (threads <= 1) {
    for (int p = 0; p < num_paths; ++p) work(p);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int p = t; p < num_paths; p += threads) work(p);
      });
    }
    for (std::thread& thread : pool) thread.join();
  }

  PathfinderResult result;
  for (int p = 0; p < num_paths; ++p) {
    if (!statuses[p]) return Error{statuses[p].error()};
    result.paths.push_back(paths[p]->summary);
    result.num_lp_grad_calls += paths[p]->summary.num_lp_grad_calls;
    result.num_lp_calls += paths[p]->summary.num_lp_calls;
  }
  // Every path's draws, in path order, and their log importance ratios
  // against the mixture of the paths' approximations.
  Vector pooled;
  Vector log_ratios;
  std::string failures;
  std::vector<const NormalApproximation*> mixture;
  for (int p = 0; p < num_paths; ++p)
    if (paths[p]->summary.failure.empty()) mixture.push_back(&paths[p]->summary.approximation);
  auto log_q_mix = [&](const double* x, double own_log_q) {
    if (mixture.size() == 1) return own_log_q;
    double most = -kInf;
    Vector terms;
    for (const NormalApproximation* q : mixture) {
      terms.push_back(q->log_density_at(x));
      most = std::max(most, terms.back());
    }
    if (!std::isfinite(most)) return most;
    double sum = 0;
    for (double t : terms) sum += std::exp(t - most);
    return most + std::log(sum / static_cast<double>(mixture.size()));
  };
  for (int p = 0; p < num_paths; ++p) {
    const PathSummary& summary = paths[p]->summary;
    if (!summary.failure.empty()) {
      std::string line = "Pathfinder: path " + std::to_string(p + 1) + " failed: " + summary.failure;
      if (warn) warn(line);
      failures += (failures.empty() ? "" : "; ") + line;
      continue;
    }
    pooled.insert(pooled.end(), rows[p].begin(), rows[p].end());
    const ApproximateDraws& d = paths[p]->draws;
    for (size_t i = 0; i < d.log_q.size(); ++i)
      log_ratios.push_back(d.log_p[i] - log_q_mix(d.points.data() + i * model.dim(), d.log_q[i]));
    result.draws.num_constrain_errors += constrain_errors[p];
    if (result.draws.first_constrain_error.empty()) result.draws.first_constrain_error = first_constrain_error[p];
  }
  if (log_ratios.empty()) return Error{"Pathfinder: every path failed (" + failures + ")"};

  ParetoSmoothed smoothed = pareto_smooth(log_ratios);
  result.log_ratios = log_ratios;
  Draws& draws = result.draws;
  draws.column_names = {"lp_approx__", "lp__"};
  const std::vector<std::string>& outputs = model.output_names();
  draws.column_names.insert(draws.column_names.end(), outputs.begin(), outputs.end());
  draws.num_diagnostic_columns = 2;
  draws.first_draw_row = 0;
  if (num_paths == 1 || !settings.psis_resample) {
    draws.values = std::move(pooled);
    return result;
  }
  // Resample with the smoothed weights (with replacement), from a stream no
  // path uses.
  Rng rng(static_cast<uint32_t>(seed >> 32), 1, static_cast<uint32_t>(seed), 0);
  std::vector<size_t> picks = psis_resample(smoothed, static_cast<size_t>(settings.num_draws), rng);
  draws.values.resize(static_cast<size_t>(settings.num_draws) * num_columns);
  for (int d = 0; d < settings.num_draws; ++d) {
    const size_t from = picks[d];
    std::copy_n(pooled.begin() + static_cast<std::ptrdiff_t>(from * num_columns), num_columns,
                draws.values.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(d) * num_columns));
  }
  return result;
}

}  // namespace vic::runtime
