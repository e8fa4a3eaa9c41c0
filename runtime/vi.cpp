// run_vi: a Pathfinder start, then Adam on the ELBO in coordinates whitened
// by the start (and again by each stage's result), windows of iterations
// judged by the ELBO of their averaged parameters with fixed draws, the step
// halved when windows stop improving, and the last window's average as the result.
#include "runtime/vi.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <sstream>

#include "runtime/dense_matrix.h"
#include "runtime/format.h"
#include "runtime/optimize.h"
#include "runtime/pathfinder.h"

namespace vic::runtime {

namespace {

using Vector = std::vector<double>;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Adam's constants (Kingma and Ba; PyTorch's defaults).
constexpr double kBeta1 = 0.9;
constexpr double kBeta2 = 0.999;
constexpr double kAdamEpsilon = 1e-8;
// A gradient estimate gives up after this many failed draws per requested draw.
constexpr int kGradRetries = 10;

class Fit {
 public:
  Fit(const Model& model, const ViSettings& settings, const VariationalFamily& family, Rng& rng, ViResult& result,
      const LogLine& log)
      : model_(model), settings_(settings), family_(family), rng_(rng), result_(result), log_(log), dim_(model.dim()) {}

  // The start (centre, scale, and phi in scaled coordinates) from one Pathfinder path.
  Status start(uint64_t seed, const LogLine& warn) {
    const LogLine& log = log_;
    warn_ = warn;
    PathfinderSettings ps;
    ps.num_paths = 1;
    ps.num_draws = ps.num_elbo_draws;
    ps.init_radius = settings_.init_radius;
    ps.init = settings_.init;
    ps.lbfgs = settings_.start_lbfgs;
    Expected<PathfinderResult> pathfinder = run_pathfinder(model_, ps, seed, log, LogLine{});
    Vector covariance;
    if (pathfinder) {
      result_.num_lp_grad_calls += pathfinder->num_lp_grad_calls;
      result_.num_lp_calls += pathfinder->num_lp_calls;
      const NormalApproximation& q = pathfinder->paths[0].approximation;
      centre_ = q.center;
      covariance = q.covariance();
      result_.start = "Pathfinder";
    } else {
      warn_ = warn;
      return start_at_random_point("it failed: " + pathfinder.error());
    }
    whiten(centre_, covariance);
    return Status::ok();
  }

  // A start as Stan's ADVI takes it: a random point, unit scales.
  Status start_at_random_point(const std::string& why_not_pathfinder) {
    Expected<Vector> init = initialize_unconstrained(model_, rng_, settings_.init_radius,
                                                     settings_.init.empty() ? nullptr : &settings_.init, log_,
                                                     &result_.num_lp_calls, &result_.num_lp_grad_calls);
    if (!init) return Error{init.error()};
    centre_ = init.take();
    Vector covariance(dim_ * dim_, 0.0);
    for (size_t i = 0; i < dim_; ++i) covariance[i + i * dim_] = 1.0;
    result_.start = "a random point (Pathfinder: " + why_not_pathfinder + ")";
    if (warn_) warn_("VI: started from " + result_.start);
    whiten(centre_, covariance);
    return Status::ok();
  }

  // Works from now on in coordinates whitened by N(centre, covariance):
  // zeta = centre + A z with A the covariance's Cholesky factor (a full-rank
  // family), or its marginal sds (mean-field, or a covariance that is not
  // positive definite); the family starts at N(0, I) there.
  void whiten(const Vector& centre, const Vector& covariance) {
    map_.shift = centre;
    map_.matrix = covariance;
    if (family_.name() != "fullrank" || !cholesky_lower(dim_, map_.matrix)) {
      map_.matrix.resize(dim_);
      for (size_t i = 0; i < dim_; ++i) map_.matrix[i] = std::sqrt(covariance[i + i * dim_]);
    }
    Vector identity(dim_ * dim_, 0.0);
    for (size_t i = 0; i < dim_; ++i) identity[i + i * dim_] = 1.0;
    phi_ = family_.parameters_for(Vector(dim_, 0.0), identity);
    // The compiled full-rank ELBO takes its map as a lower-triangular matrix.
    elbo_scale_ = map_.matrix;
    if (family_.name() == "fullrank" && map_.is_diagonal()) {
      elbo_scale_.assign(dim_ * dim_, 0.0);
      for (size_t i = 0; i < dim_; ++i) elbo_scale_[i + i * dim_] = map_.matrix[i];
    }
  }

  // Stages of ascent, each in coordinates whitened by the previous stage's
  // result. A stage ends when its step size has been halved max_halvings
  // times, and another follows if it gained more than stage_gain nats; or it
  // ends early when the approximation has moved or stretched beyond the
  // whitening's scale (a mean one sd away, an sd halved or doubled), since
  // Adam's steps are about the learning rate in whitened units whatever the
  // approximation's scale, and a long ridge would otherwise be crossed at
  // that fixed pace.
  Status run() {
    fixed_draws_.resize(static_cast<size_t>(settings_.elbo_samples) * dim_);
    standard_normals(rng_, fixed_draws_.data(), fixed_draws_.size());
    for (int stage = 1;; ++stage) {
      Expected<StageEnd> end = run_stage();
      if (!end && fatal_.empty() && stage == 1 && result_.start == "Pathfinder") {
        // Pathfinder's approximation sits where the model fails (its centre
        // is a Newton step from the last iterate): start again as Stan's
        // ADVI does, from a random point with unit scales.
        if (Status s = start_at_random_point("its approximation fails: " + end.error()); !s) return s;
        end = run_stage();
      }
      if (!end) return Error{end.error()};
      // The stage's best, back on the unconstrained scale.
      result_.phi = phi_;
      family_.map_affine(result_.phi.data(), map_);
      if (result_.iterations >= settings_.max_iterations) break;
      if (!end->drifted && !(end->gain > settings_.stage_gain)) break;
      say("  stage " + std::to_string(stage) + (end->drifted ? " moved beyond its whitening" : " gained " + format_brief(end->gain) + " nats") +
          ": whitening by its result and going on");
      whiten(family_.mean(result_.phi.data()), family_.covariance(result_.phi.data()));
    }
    return Status::ok();
  }

  struct StageEnd {
    double gain = 0;       // on the stage's starting ELBO
    bool drifted = false;  // ended early, beyond the whitening's scale
  };

  // Whether q (in whitened coordinates) has a mean more than one unit from
  // the origin or an sd outside (1/2, 2).
  bool drifted(const Vector& phi) const {
    for (double m : family_.mean(phi.data()))
      if (std::fabs(m) > 1) return true;
    for (double sd : family_.marginal_sds(phi.data()))
      if (sd > 2 || sd < 0.5) return true;
    return false;
  }

  // One stage from phi_; leaves its best averaged parameters in phi_.
  Expected<StageEnd> run_stage() {
    const size_t p = family_.num_parameters();
    Vector m(p, 0.0), v(p, 0.0), grad(p), average(p);
    double learning_rate = settings_.learning_rate;
    Expected<double> initial = elbo_at(phi_);
    if (!initial) return Error{initial.error()};
    double best = *initial;
    Vector best_phi = phi_;
    int halvings = 0;
    int windows_without_gain = 0;
    int step = 0;
    std::optional<double> last_elbo;
    say("VI (" + family_.name() + ", started from " + result_.start + "): ELBO " + format_elbo(best));
    while (true) {
      std::fill(average.begin(), average.end(), 0.0);
      bool degenerated = false;
      for (int i = 0; i < settings_.window; ++i) {
        if (Status s = gradient(phi_, grad); !s) {
          if (!fatal_.empty()) return Error{s.error()};
          // The approximation reached where the model fails: back to the
          // best average with half the step and a fresh Adam state ...
          if (halvings + 1 >= settings_.max_halvings) return Error{s.error()};
          say("  " + s.error() + ": back to the best average, step halved");
          degenerated = true;
          break;
        }
        ++step;
        const double correction1 = 1 - std::pow(kBeta1, step);
        const double correction2 = 1 - std::pow(kBeta2, step);
        for (size_t k = 0; k < p; ++k) {
          m[k] = kBeta1 * m[k] + (1 - kBeta1) * grad[k];
          v[k] = kBeta2 * v[k] + (1 - kBeta2) * grad[k] * grad[k];
          phi_[k] += learning_rate * (m[k] / correction1) / (std::sqrt(v[k] / correction2) + kAdamEpsilon);
          average[k] += phi_[k] / settings_.window;
        }
      }
      if (degenerated) {
        learning_rate /= 2;
        ++halvings;
        windows_without_gain = 0;
        // ... and the approximation narrowed by half about its mean, since
        // its tails are where the model fails.
        phi_ = best_phi;
        AffineMap narrow{family_.mean(phi_.data()), Vector(dim_, 0.5)};
        for (double& c : narrow.shift) c *= 0.5;
        family_.map_affine(phi_.data(), narrow);
        std::fill(m.begin(), m.end(), 0.0);
        std::fill(v.begin(), v.end(), 0.0);
        step = 0;
        continue;
      }
      result_.iterations += settings_.window;
      update_control();
      Expected<double> elbo = elbo_at(average);
      if (!elbo) return Error{elbo.error()};
      last_elbo = *elbo;
      result_.trace.push_back({result_.iterations, *elbo + log_det_scale(), learning_rate});
      if (settings_.progress) {
        const double previous = result_.trace.size() > 1 ? result_.trace[result_.trace.size() - 2].elbo : NAN;
        const double now = result_.trace.back().elbo;
        settings_.progress({result_.iterations, settings_.max_iterations, now,
                            std::fabs((now - previous) / previous), learning_rate});
      }
      std::ostringstream line;
      line << "  iteration " << result_.iterations << ": ELBO " << format_elbo(*elbo) << ", step " << learning_rate;
      if (*elbo > best + settings_.tol_elbo) {
        best = *elbo;
        best_phi = average;
        windows_without_gain = 0;
        if (drifted(average)) {
          say(line.str() + " (beyond the whitening)");
          phi_ = best_phi;
          return StageEnd{best - *initial, true};
        }
      } else if (++windows_without_gain >= settings_.patience) {
        // No progress at this step size: halve it and go on.
        learning_rate /= 2;
        ++halvings;
        windows_without_gain = 0;
        line << " (no gain: step halved)";
      }
      say(line.str());
      if (halvings >= settings_.max_halvings) {
        result_.converged = true;
        break;
      }
      if (result_.iterations >= settings_.max_iterations) {
        result_.converged = false;
        break;
      }
    }
    // The last window's average, at the smallest step: iterate averaging
    // converges to the optimum, where picking the best window by an ELBO
    // estimated with fixed draws would pick the fixed draws' optimum. Unless
    // the ascent went astray, when the best window is the answer.
    if (*last_elbo < best - settings_.stage_gain) {
      phi_ = best_phi;
    } else {
      phi_ = average;
      best = std::max(best, *last_elbo);
    }
    return StageEnd{best - *initial, false};
  }

 private:
  static std::string format_brief(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
  }

  double log_det_scale() const { return map_.log_det(); }

  std::string format_elbo(double scaled_elbo) const {
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", scaled_elbo + log_det_scale());
    return text;
  }

  // zeta = centre + A T(phi, eta).
  void draw(const Vector& phi, const double* eta, Vector& zeta) const {
    Vector z(dim_);
    family_.transform(phi.data(), eta, z.data());
    map_.apply(z.data(), zeta.data());
  }

  // The ELBO in scaled coordinates (the log-determinant of the scaling left
  // out) with the fixed draws; a draw the model rejects makes it -inf.
  Expected<double> elbo_at(const Vector& phi) {
    Vector zeta(dim_);
    double sum = 0;
    const int n = settings_.elbo_samples;
    for (int d = 0; d < n; ++d) {
      draw(phi, fixed_draws_.data() + static_cast<size_t>(d) * dim_, zeta);
      EvalError error = 0;
      ++result_.num_lp_calls;
      const double lp = model_.lp(zeta.data(), &error);
      if (error != 0 && model_.is_fatal(error)) return Error{model_.describe_error(error)};
      sum += error == 0 && !std::isnan(lp) ? lp : -kInf;
    }
    return sum / n + family_.entropy(phi.data());
  }

  // The reparameterisation gradient of the ELBO with respect to phi (in
  // whitened coordinates) from grad_samples draws: the usual estimator (the
  // pulled-back d log p / d zeta plus the entropy's exact gradient) plus
  // control_ times a term of mean zero, the difference between the "sticking
  // the landing" estimator (Roeder, Wu and Duvenaud 2017: through zeta only,
  // d/dzeta (log p - log q)) and the usual one. STL's variance vanishes where
  // q is the posterior, so it polishes a near-Gaussian fit exactly; far from
  // that it can be noisier. control_ is the variance-minimising weight
  // measured over the previous window (in [0, 1]), so it stays unbiased.
  // Failed draws are redrawn.
  //
  // The usual estimator is one call of the model's compiled ELBO when it has
  // one; when a draw fails there, the draws are replayed one at a time below.
  Status gradient(const Vector& phi, Vector& grad) {
    const size_t p = grad.size();
    Vector usual(p, 0.0), difference(p, 0.0);
    const int n = settings_.grad_samples;
    if (compiled_) {
      Expected<bool> done = compiled_gradient(phi, usual, difference);
      if (!done) return Error{done.error()};
      if (*done) return combine(usual, difference, grad);
      std::fill(usual.begin(), usual.end(), 0.0);
      std::fill(difference.begin(), difference.end(), 0.0);
    }
    family_.add_entropy_gradient(phi.data(), usual.data());
    for (size_t k = 0; k < p; ++k) difference[k] = -usual[k];
    Vector eta(dim_), zeta(dim_), g(dim_), g_z(dim_), score(dim_);
    int failed = 0;
    for (int d = 0; d < n;) {
      // Draws the compiled ELBO could not use come first.
      normals_.next(rng_, eta.data(), dim_);
      draw(phi, eta.data(), zeta);
      EvalError error = 0;
      ++result_.num_lp_grad_calls;
      model_.lp_grad(zeta.data(), g.data(), &error);
      if (error != 0 && model_.is_fatal(error)) {
        fatal_ = model_.describe_error(error);
        return Error{fatal_};
      }
      bool finite = error == 0 && std::all_of(g.begin(), g.end(), [](double x) { return std::isfinite(x); });
      if (!finite) {
        if (++failed >= kGradRetries * n) {
          return Error{"VI: " + std::to_string(failed) + " draws in a row failed (" +
                       (error != 0 ? model_.describe_error(error) : std::string("the gradient is not finite")) +
                       "); the approximation has degenerated"};
        }
        continue;
      }
      // Chain rule through zeta = centre + A z, averaged over the draws.
      map_.pull_back(g.data(), g_z.data());
      for (double& v : g_z) v /= n;
      family_.add_pullback(phi.data(), eta.data(), g_z.data(), usual.data());
      add_score_term(phi, eta.data(), n, score, difference);
      ++d;
    }
    return combine(usual, difference, grad);
  }

  // difference += the pulled-back d log q / d z at this draw (phi held
  // fixed), over n: STL's term beyond the usual estimator, with no model in it.
  void add_score_term(const Vector& phi, const double* eta, int n, Vector& score, Vector& difference) const {
    std::fill(score.begin(), score.end(), 0.0);
    family_.subtract_log_density_gradient(phi.data(), eta, score.data());
    for (double& v : score) v /= n;
    family_.add_pullback(phi.data(), eta, score.data(), difference.data());
  }

  // The usual estimator from the compiled ELBO (one call, the draws as a
  // block) and STL's difference from the family. False when a draw failed:
  // its draws are then replayed one at a time.
  Expected<bool> compiled_gradient(const Vector& phi, Vector& usual, Vector& difference) {
    const int n = settings_.grad_samples;
    const double* draws = normals_.draw(rng_, static_cast<size_t>(n) * dim_);
    const CompiledElbo::Map map{map_.shift.data(), elbo_scale_.data()};
    EvalError error = 0;
    compiled_->value_and_gradient(phi.data(), draws, static_cast<size_t>(n), map, usual.data(), &error);
    if (error != 0 && model_.is_fatal(error)) {
      fatal_ = model_.describe_error(error);
      return Error{fatal_};
    }
    if (error != 0 || !std::all_of(usual.begin(), usual.end(), [](double x) { return std::isfinite(x); })) return false;
    result_.num_lp_grad_calls += n;
    family_.add_entropy_gradient(phi.data(), difference.data());
    for (double& v : difference) v = -v;
    Vector score(dim_);
    for (int d = 0; d < n; ++d) add_score_term(phi, draws + static_cast<size_t>(d) * dim_, n, score, difference);
    normals_.consume();
    return true;
  }

  // grad = usual + control_ difference, keeping the window's statistics for update_control.
  Status combine(const Vector& usual, const Vector& difference, Vector& grad) {
    const size_t p = grad.size();
    double cross = 0, squares = 0;
    for (size_t k = 0; k < p; ++k) {
      grad[k] = usual[k] + control_ * difference[k];
      cross += usual[k] * difference[k];
      squares += difference[k] * difference[k];
    }
    window_cross_ += cross;
    window_squares_ += squares;
    return Status::ok();
  }

  // At a window's end: the weight for the next window, argmin over c of the
  // variance of usual + c difference, -E[usual . difference] / E[difference^2].
  void update_control() {
    if (window_squares_ > 0) control_ = std::clamp(-window_cross_ / window_squares_, 0.0, 1.0);
    window_cross_ = window_squares_ = 0;
  }

  void say(const std::string& line) const {
    if (log_) log_(line);
  }

  const Model& model_;
  const ViSettings& settings_;
  const VariationalFamily& family_;
  Rng& rng_;
  ViResult& result_;
  const LogLine& log_;
  LogLine warn_;
  size_t dim_;
  Vector centre_;
  AffineMap map_;
  Vector phi_;
  Vector fixed_draws_;
  double control_ = 0;
  // The message of a fatal check that ended the fit, or "".
  std::string fatal_;
  double window_cross_ = 0;
  double window_squares_ = 0;
  // The model's compiled ELBO for this family, when it was compiled with one.
  const CompiledElbo* compiled_ = model_.compiled_elbo(family_.name());
  // map_'s matrix as the compiled ELBO takes it.
  Vector elbo_scale_;
  // Standard normals drawn for the compiled ELBO, replayed above when it fails.
  NormalBlock normals_;
};

// L-BFGS (with the Jacobian: the density the fit approximates) from
// settings.mode_checks random points, each with a stream of its own; sets
// result.other_mode when one stops far outside the fit, with a log density
// close to the highest of them (a minor mode, or a point L-BFGS gave up on,
// does not count) and a valley between it and the fit.
Status look_for_other_modes(const Model& model, const ViSettings& settings, uint64_t seed, ViResult& result) {
  struct Found {
    std::vector<double> theta;
    double log_density;
  };
  std::vector<Found> modes;
  for (int k = 0; k < settings.mode_checks; ++k) {
    Rng rng(static_cast<uint32_t>(seed >> 32), 2, static_cast<uint32_t>(seed), static_cast<uint32_t>(k + 1));
    OptimizeSettings os;
    os.jacobian = true;
    os.init_radius = settings.init_radius;
    Expected<OptimizeResult> mode = find_mode(model, os, rng);
    if (!mode) continue;  // a start the model rejects says nothing about modes
    result.num_lp_grad_calls += mode->num_lp_grad_calls;
    result.num_lp_calls += mode->num_lp_calls;
    if (!is_converged(mode->termination)) continue;
    modes.push_back({std::move(mode->theta), mode->log_density});
  }
  if (modes.empty()) return Status::ok();
  double highest = -kInf;
  for (const Found& m : modes) highest = std::max(highest, m.log_density);
  // A separate mode has a valley between it and the fit: on the segment from
  // the fit's mean the log density falls more than mode_log_density below
  // both ends. (L-BFGS stopping early on a long, flat ridge also ends far
  // from the fit, with no valley in between.)
  const std::vector<double> centre = result.family->mean(result.phi.data());
  auto log_density_at = [&](const std::vector<double>& x) {
    EvalError error = 0;
    const double lp = model.lp(x.data(), &error);
    return error == 0 && !std::isnan(lp) ? lp : -kInf;
  };
  auto valley_between = [&](const std::vector<double>& far) {
    const double floor = std::min(log_density_at(centre), log_density_at(far)) - settings.mode_log_density;
    std::vector<double> x(centre.size());
    for (int step = 1; step < 10; ++step) {
      const double t = step / 10.0;
      for (size_t i = 0; i < x.size(); ++i) x[i] = (1 - t) * centre[i] + t * far[i];
      if (log_density_at(x) < floor) return true;
    }
    return false;
  };
  for (const Found& m : modes) {
    if (m.log_density < highest - settings.mode_log_density) continue;
    const double distance = std::sqrt(result.family->squared_distance(result.phi.data(), m.theta.data()));
    if (distance <= settings.mode_distance || !valley_between(m.theta)) continue;
    char text[160];
    std::snprintf(text, sizeof text, "L-BFGS found a mode %.1f sds from the fit, its log density %.1f nats below the "
                  "highest found", distance, highest - m.log_density);
    result.other_mode = text;
    return Status::ok();
  }
  return Status::ok();
}

Status check_settings(const ViSettings& s) {
  if (s.family != "meanfield" && s.family != "fullrank")
    return Error{"VI: the family must be meanfield or fullrank, but is '" + s.family + "'"};
  auto positive = [](const char* what, double value) -> Status {
    if (value > 0 && std::isfinite(value)) return Status::ok();
    return Error{std::string("VI: ") + what + " must be positive and finite, but is " + format_shortest(value)};
  };
  for (Status status : {positive("grad_samples", s.grad_samples), positive("elbo_samples", s.elbo_samples),
                        positive("window", s.window), positive("iterations", s.max_iterations),
                        positive("learning rate", s.learning_rate), positive("halvings", s.max_halvings),
                        positive("ELBO tolerance", s.tol_elbo)}) {
    if (!status) return status;
  }
  return Status::ok();
}

}  // namespace

Expected<ViResult> run_vi(const Model& model, const ViSettings& settings, uint64_t seed, const LogLine& log,
                          const LogLine& warn) {
  if (Status s = check_settings(settings); !s) return Error{s.error()};
  ViResult result;
  result.family = settings.family == "meanfield" ? make_meanfield_family(model.dim()) : make_fullrank_family(model.dim());
  // Pathfinder draws from its own streams; the ascent from this one.
  Rng rng(seed);
  Fit fit(model, settings, *result.family, rng, result, log);
  if (Status s = fit.start(seed, warn); !s) return Error{s.error()};
  if (Status s = fit.run(); !s) return Error{s.error()};
  if (Status s = look_for_other_modes(model, settings, seed, result); !s) return Error{s.error()};
  return result;
}

Expected<Draws> draw_family(const Model& model, const ViResult& result, int num_draws, Rng& rng,
                            std::vector<double>* log_ratios) {
  const size_t dim = model.dim();
  const VariationalFamily& family = *result.family;
  Draws draws;
  draws.column_names = {"lp__", "log_p__", "log_g__"};
  const std::vector<std::string>& outputs = model.output_names();
  draws.column_names.insert(draws.column_names.end(), outputs.begin(), outputs.end());
  const size_t num_columns = draws.column_names.size();
  draws.values.assign(num_columns * (static_cast<size_t>(num_draws) + 1), 0.0);
  Vector mean = family.mean(result.phi.data());
  EvalError error = 0;
  model.constrain(mean.data(), rng, draws.values.data() + kNumDrawDiagnosticColumns, &error);
  if (error != 0) return Error{"cannot compute the outputs at the approximation's mean: " + model.describe_error(error)};
  Vector eta(dim), zeta(dim);
  for (int n = 1; n <= num_draws; ++n) {
    double* row = draws.values.data() + static_cast<size_t>(n) * num_columns;
    standard_normals(rng, eta.data(), dim);
    family.transform(result.phi.data(), eta.data(), zeta.data());
    double eta_squared = 0;
    for (double e : eta) eta_squared += e * e;
    error = 0;
    model.constrain(zeta.data(), rng, row + kNumDrawDiagnosticColumns, &error);
    if (error != 0) {
      if (draws.num_constrain_errors == 0) draws.first_constrain_error = model.describe_error(error);
      ++draws.num_constrain_errors;
      for (size_t c = kNumDrawDiagnosticColumns; c < num_columns; ++c) row[c] = std::nan("");
    }
    EvalError lp_error = 0;
    double log_p = model.lp(zeta.data(), &lp_error);
    if (lp_error != 0 && model.is_fatal(lp_error)) return Error{model.describe_error(lp_error)};
    if (lp_error != 0 || std::isnan(log_p)) log_p = -kInf;
    row[1] = log_p;
    row[2] = -0.5 * eta_squared;
    if (log_ratios) log_ratios->push_back(log_p - family.log_density(result.phi.data(), eta.data()));
  }
  return draws;
}

Expected<std::vector<double>> family_log_ratios(const Model& model, const ViResult& result, int count, Rng& rng) {
  const size_t dim = model.dim();
  std::vector<double> ratios;
  Vector eta(dim), zeta(dim);
  for (int n = 0; n < count; ++n) {
    standard_normals(rng, eta.data(), dim);
    result.family->transform(result.phi.data(), eta.data(), zeta.data());
    EvalError error = 0;
    double log_p = model.lp(zeta.data(), &error);
    if (error != 0 && model.is_fatal(error)) return Error{model.describe_error(error)};
    if (error != 0 || std::isnan(log_p)) log_p = -kInf;
    ratios.push_back(log_p - result.family->log_density(result.phi.data(), eta.data()));
  }
  return ratios;
}

}  // namespace vic::runtime
