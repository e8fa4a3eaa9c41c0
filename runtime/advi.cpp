// run_advi: mean-field ADVI following Stan's advi.hpp and normal_meanfield.hpp
// step by step (same draws in the same order, same arithmetic): the Monte Carlo
// ELBO with dropped evaluations, the reparameterisation gradient, the eta search
// over {100, 10, 1, 0.1, 0.01} with its early exit, the adaptive step-size sequence
// eta / sqrt(iter) * g / (1 + sqrt(s)) where s starts at g^2 and then follows
// s = 0.9 s + 0.1 g^2, and convergence on the mean or median of a circular buffer
// of relative ELBO changes. Stan's progress lines (the adaptation iterations, the
// ELBO table) go to the caller's progress LogLine; Stan's informational
// messages, the diverging note and vic's restarts go to its warning LogLine.
#include "runtime/advi.h"

#include <algorithm>
#include <boost/circular_buffer.hpp>
#include <climits>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>

#include "runtime/format.h"

namespace vic::runtime {

double AdviResult::final_elbo() const {
  return elbo_trace.empty() ? std::numeric_limits<double>::quiet_NaN() : elbo_trace.back().elbo;
}

namespace {

// Stan's note on an ELBO table line whose relative changes are large.
constexpr const char* kDivergingNote = "MAY BE DIVERGING... INSPECT ELBO";
// Stan's eta candidates, tried in order by adapt_eta.
constexpr double kEtaSequence[] = {100, 10, 1, 0.1, 0.01};
constexpr int kEtaSequenceSize = 5;
// A gradient estimate gives up after this many dropped draws per requested draw.
constexpr int kGradRetries = 10;
// Stan's step-size sequence constants.
constexpr double kTau = 1.0;
constexpr double kPreFactor = 0.9;
constexpr double kPostFactor = 0.1;

// The parameters of the mean-field Gaussian (Stan's normal_meanfield); the same
// shape holds an ELBO gradient and the running average of squared gradients.
struct MeanField {
  std::vector<double> mu;
  std::vector<double> omega;

  explicit MeanField(size_t dim) : mu(dim, 0.0), omega(dim, 0.0) {}
  // Centred at `point` with unit scale (omega = 0), as Stan initialises q.
  explicit MeanField(const std::vector<double>& point) : mu(point), omega(point.size(), 0.0) {}

  void set_to_zero() {
    std::fill(mu.begin(), mu.end(), 0.0);
    std::fill(omega.begin(), omega.end(), 0.0);
  }
};

// |(curr - prev) / prev|, Stan's rel_difference.
double rel_difference(double prev, double curr) { return std::fabs((curr - prev) / prev); }

// The element at index size/2 after sorting (the upper median), as Stan computes it.
double circular_buffer_median(const boost::circular_buffer<double>& buffer) {
  std::vector<double> values(buffer.begin(), buffer.end());
  size_t n = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
  return values[n];
}

// One ADVI run: the state Stan keeps in its advi object.
class Advi {
 public:
  Advi(const Model& model, const AdviSettings& settings, Rng& rng, const LogLine& log,
       const LogLine& warn, AdviResult& result)
      : model_(model),
        settings_(settings),
        rng_(rng),
        log_(log),
        warn_(warn),
        result_(result),
        dim_(model.dim()),
        eta_draw_(dim_),
        zeta_(dim_),
        grad_(dim_) {}

  // Stan's calc_ELBO: the mean of lp over elbo_samples draws plus the entropy.
  // A draw whose lp fails or is not finite is dropped and redrawn; reaching
  // elbo_samples dropped draws is an error.
  Expected<double> calc_elbo(const MeanField& q) {
    const int n = settings_.elbo_samples;
    double elbo = 0.0;
    int dropped = 0;
    for (int i = 0; i < n;) {
      draw_zeta(q);
      EvalError error = 0;
      ++result_.num_lp_calls;
      double lp = model_.lp(zeta_.data(), &error);
      if (ends_fit(error)) return Error{fatal_};
      if (error == 0 && std::isfinite(lp)) {
        elbo += lp;
        ++i;
        continue;
      }
      ++dropped;
      if (dropped >= n) {
        return Error{"ADVI: the number of dropped ELBO evaluations has reached its maximum (" +
                     std::to_string(n) + "): " + describe_failure(error, lp) +
                     ". The model may be severely ill-conditioned or misspecified."};
      }
    }
    elbo /= n;
    elbo += entropy(q);
    return elbo;
  }

  // Stan's normal_meanfield::calc_grad: the reparameterisation gradient averaged
  // over grad_samples draws; draws with a failed evaluation or a non-finite
  // gradient are dropped, up to 10 * grad_samples of them.
  //
  // With the model's compiled ELBO the whole estimate is one call, over the
  // same draws; when a draw fails there, the draws are replayed one at a time
  // so that the failed ones are dropped as Stan drops them. With one draw (Stan's
  // default) the arithmetic is Stan's to the last bit (tests/e2e/posteriordb_fit_test.cpp).
  Status calc_elbo_grad(const MeanField& q, MeanField& elbo_grad) {
    const int n = settings_.grad_samples;
    if (compiled_ && try_compiled_elbo_grad(q, elbo_grad)) return check_elbo_grad(elbo_grad);
    if (!fatal_.empty()) return Error{fatal_};
    std::fill(elbo_grad.mu.begin(), elbo_grad.mu.end(), 0.0);
    std::fill(elbo_grad.omega.begin(), elbo_grad.omega.end(), 0.0);
    int dropped = 0;
    for (int i = 0; i < n;) {
      draw_zeta(q);
      EvalError error = 0;
      ++result_.num_lp_grad_calls;
      double lp = model_.lp_grad(zeta_.data(), grad_.data(), &error);
      if (ends_fit(error)) return Error{fatal_};
      bool finite = error == 0 && std::all_of(grad_.begin(), grad_.end(),
                                              [](double g) { return std::isfinite(g); });
      if (finite) {
        for (size_t d = 0; d < dim_; ++d) {
          elbo_grad.mu[d] += grad_[d];
          elbo_grad.omega[d] += grad_[d] * eta_draw_[d];
        }
        ++i;
        continue;
      }
      ++dropped;
      if (dropped >= kGradRetries * n) {
        std::string why = error != 0 ? describe_failure(error, lp) : "the gradient is not finite";
        return Error{"ADVI: the number of dropped gradient evaluations has reached its maximum (" +
                     std::to_string(kGradRetries * n) + "): " + why +
                     ". The model may be severely ill-conditioned or misspecified."};
      }
    }
    for (size_t d = 0; d < dim_; ++d) {
      elbo_grad.mu[d] /= static_cast<double>(n);
      elbo_grad.omega[d] /= static_cast<double>(n);
      elbo_grad.omega[d] *= std::exp(q.omega[d]);
      // The entropy's gradient with respect to omega is 1.
      elbo_grad.omega[d] += 1.0;
    }
    return check_elbo_grad(elbo_grad);
  }

  // Stan's set_mu / set_omega reject NaN (e.g. inf * 0 when exp(omega) overflows).
  static Status check_elbo_grad(const MeanField& elbo_grad) {
    for (size_t d = 0; d < elbo_grad.mu.size(); ++d) {
      if (std::isnan(elbo_grad.mu[d]) || std::isnan(elbo_grad.omega[d])) {
        return Error{"ADVI: the ELBO gradient is NaN; the approximation has degenerated"};
      }
    }
    return Status::ok();
  }

  // The gradient estimate in one call of the compiled ELBO. False when a draw
  // failed or the gradient is not finite: draw_zeta then replays its
  // draws (or, after a fatal check, fatal_ is set).
  bool try_compiled_elbo_grad(const MeanField& q, MeanField& elbo_grad) {
    const size_t n = static_cast<size_t>(settings_.grad_samples);
    const double* draws = normals_.draw(rng_, n * dim_);
    phi_.assign(q.mu.begin(), q.mu.end());
    phi_.insert(phi_.end(), q.omega.begin(), q.omega.end());
    phi_grad_.resize(phi_.size());
    EvalError error = 0;
    result_.num_lp_grad_calls += n;
    compiled_->value_and_gradient(phi_.data(), draws, n, CompiledElbo::Map{}, phi_grad_.data(), &error);
    const bool finite = error == 0 && std::all_of(phi_grad_.begin(), phi_grad_.end(),
                                                  [](double g) { return std::isfinite(g); });
    if (!finite) {
      // The loop evaluates these draws again, one by one.
      result_.num_lp_grad_calls -= n;
      if (ends_fit(error)) normals_.consume();
      return false;
    }
    normals_.consume();
    std::copy(phi_grad_.begin(), phi_grad_.begin() + static_cast<std::ptrdiff_t>(dim_), elbo_grad.mu.begin());
    std::copy(phi_grad_.begin() + static_cast<std::ptrdiff_t>(dim_), phi_grad_.end(), elbo_grad.omega.begin());
    return true;
  }

  // Stan's adapt_eta: adapt_iterations steps from the initial q for each eta in
  // {100, 10, 1, 0.1, 0.01}, stopping at the first eta whose ELBO is worse than
  // the previous one's while that one beat the initial ELBO.
  Expected<double> adapt_eta(const std::vector<double>& init) {
    const int adapt_iterations = settings_.adapt_iterations;
    say("Begin eta adaptation.");
    MeanField q(init);
    double elbo = -std::numeric_limits<double>::max();
    double elbo_best = -std::numeric_limits<double>::max();
    Expected<double> initial = calc_elbo(q);
    if (!initial && !fatal_.empty()) return Error{fatal_};
    if (!initial) {
      return Error{"ADVI: cannot compute the ELBO at the initial variational distribution (" +
                   initial.error() + ")"};
    }
    const double elbo_init = *initial;

    MeanField elbo_grad(dim_);
    MeanField history(dim_);
    double eta_best = 0.0;
    bool do_more_tuning = true;
    for (int index = 0; do_more_tuning; ++index) {
      const double eta = kEtaSequence[index];
      for (int iter_tune = 1; iter_tune <= adapt_iterations; ++iter_tune) {
        print_progress(index * adapt_iterations + iter_tune, adapt_iterations * kEtaSequenceSize,
                       adapt_iterations);
        // A diverging gradient is fine here: a smaller eta comes next.
        if (!calc_elbo_grad(q, elbo_grad)) {
          if (!fatal_.empty()) return Error{fatal_};
          elbo_grad.set_to_zero();
        }
        update_history(history, elbo_grad, iter_tune == 1);
        step(q, elbo_grad, history, eta / std::sqrt(static_cast<double>(iter_tune)));
      }
      Expected<double> tuned = calc_elbo(q);
      if (!tuned && !fatal_.empty()) return Error{fatal_};
      elbo = tuned ? *tuned : -std::numeric_limits<double>::max();

      if (elbo < elbo_best && elbo_best > elbo_init) {
        std::ostringstream line;
        line << "Success! Found best value [eta = " << eta_best << "]"
             << (index < kEtaSequenceSize - 1 ? " earlier than expected." : ".");
        say(line.str());
        say("");
        do_more_tuning = false;
      } else {
        if (index < kEtaSequenceSize - 1) {
          elbo_best = elbo;
          eta_best = eta;
        } else if (elbo > elbo_init) {
          // Stan prints the previous best before taking the last candidate.
          std::ostringstream line;
          line << "Success! Found best value [eta = " << eta_best << "].";
          say(line.str());
          say("");
          eta_best = eta;
          do_more_tuning = false;
        } else {
          return Error{
              "ADVI: all proposed step-sizes (eta = 100, 10, 1, 0.1, 0.01) failed. The model "
              "may be severely ill-conditioned or misspecified."};
        }
        history.set_to_zero();
      }
      q = MeanField(init);
    }
    return eta_best;
  }

  // Stan's stochastic_gradient_ascent from q with step-size scale eta.
  Status stochastic_gradient_ascent(MeanField& q, double eta) {
    const int eval_elbo = settings_.eval_elbo;
    const int max_iterations = settings_.max_iterations;
    const double tol_rel_obj = settings_.tol_rel_obj;
    MeanField elbo_grad(dim_);
    MeanField history(dim_);

    double elbo = 0.0;
    double elbo_best = -std::numeric_limits<double>::max();
    double elbo_prev = -std::numeric_limits<double>::max();
    const int cb_size =
        static_cast<int>(std::max(0.1 * max_iterations / eval_elbo, 2.0));
    boost::circular_buffer<double> elbo_diff(static_cast<size_t>(cb_size));

    say("Begin stochastic gradient ascent.");
    say("  iter             ELBO   delta_ELBO_mean   delta_ELBO_med   notes ");

    bool warned_diverging = false;
    bool do_more_iterations = true;
    for (int iter = 1; do_more_iterations; ++iter) {
      if (Status status = calc_elbo_grad(q, elbo_grad); !status) return status;
      update_history(history, elbo_grad, iter == 1);
      step(q, elbo_grad, history, eta / std::sqrt(static_cast<double>(iter)));
      result_.iterations = iter;

      if (iter % eval_elbo == 0) {
        elbo_prev = elbo;
        Expected<double> estimate = calc_elbo(q);
        if (!estimate) return Error{estimate.error()};
        elbo = *estimate;
        if (elbo > elbo_best) elbo_best = elbo;
        elbo_diff.push_back(rel_difference(elbo, elbo_prev));
        double sum = 0.0;
        for (double d : elbo_diff) sum += d;
        ElboTraceEntry entry;
        entry.iteration = iter;
        entry.elbo = elbo;
        entry.rel_mean = sum / static_cast<double>(elbo_diff.size());
        entry.rel_median = circular_buffer_median(elbo_diff);

        std::string converged;
        auto add_note = [](std::string& notes, const char* note) {
          if (!notes.empty()) notes += " ";
          notes += note;
        };
        if (entry.rel_mean < tol_rel_obj) {
          add_note(converged, "MEAN ELBO CONVERGED");
          do_more_iterations = false;
        }
        if (entry.rel_median < tol_rel_obj) {
          add_note(converged, "MEDIAN ELBO CONVERGED");
          do_more_iterations = false;
        }
        entry.notes = converged;
        bool diverging = iter > 10 * eval_elbo && (entry.rel_median > 0.5 || entry.rel_mean > 0.5);
        entry.may_be_diverging = diverging;
        if (diverging) add_note(entry.notes, kDivergingNote);
        say(format_trace_line(entry));
        if (settings_.progress) {
          settings_.progress({iter, settings_.max_iterations, elbo, elbo_diff.back(), eta / std::sqrt(static_cast<double>(iter))});
        }
        result_.elbo_trace.push_back(entry);
        if (diverging && !warned_diverging) {
          warned_diverging = true;
          warn("ADVI: the ELBO may be diverging at iteration " + std::to_string(iter) +
               " (relative ELBO change: mean " + format_brief(entry.rel_mean) + ", median " +
               format_brief(entry.rel_median) + "); inspect the ELBO");
        }

        if (!do_more_iterations) {
          result_.converged = true;
          result_.convergence_message = converged;
          if (rel_difference(elbo, elbo_best) > 0.05) {
            result_.elbo_below_best = true;
            warn("ADVI: the ELBO at a previous iteration is larger than the ELBO upon convergence; "
                 "this variational approximation may not have converged to a good optimum");
          }
        }
      }

      if (iter == max_iterations) {
        if (do_more_iterations) {
          result_.converged = false;
          result_.convergence_message = "maximum number of iterations reached";
        }
        warn("ADVI: the maximum number of iterations (" + std::to_string(max_iterations) +
             ") is reached; the algorithm may not have converged, and this variational "
             "approximation is not guaranteed to be meaningful");
        do_more_iterations = false;
      }
    }
    return Status::ok();
  }

  // The message of a fatal check that ended the fit, or "".
  const std::string& fatal_error() const { return fatal_; }

 private:
  // Whether `error` is a check that ends the fit (Model::is_fatal); keeps its message.
  bool ends_fit(EvalError error) {
    if (error == 0 || !model_.is_fatal(error)) return false;
    fatal_ = model_.describe_error(error);
    return true;
  }

  // eta ~ N(0, I) into eta_draw_ (one boost normal per coordinate, in order, as
  // stan::math::normal_rng draws them), zeta = eta .* exp(omega) + mu into zeta_.
  // Draws the compiled ELBO could not use are replayed first, in order.
  void draw_zeta(const MeanField& q) {
    normals_.next(rng_, eta_draw_.data(), dim_);
    for (size_t d = 0; d < dim_; ++d) zeta_[d] = eta_draw_[d] * std::exp(q.omega[d]) + q.mu[d];
  }

  // The Gaussian's entropy: 0.5 * dim * (1 + log(2 pi)) + sum(omega).
  double entropy(const MeanField& q) const {
    double sum = 0.0;
    for (double w : q.omega) sum += w;
    return 0.5 * static_cast<double>(dim_) * (1.0 + std::log(2.0 * std::numbers::pi)) + sum;
  }

  // s = g^2 on the first iteration, then s = 0.9 s + 0.1 g^2.
  static void update_history(MeanField& history, const MeanField& grad, bool first) {
    auto update = [first](std::vector<double>& s, const std::vector<double>& g) {
      for (size_t d = 0; d < s.size(); ++d) {
        s[d] = first ? s[d] + g[d] * g[d] : kPreFactor * s[d] + kPostFactor * (g[d] * g[d]);
      }
    };
    update(history.mu, grad.mu);
    update(history.omega, grad.omega);
  }

  // q += eta_scaled * g / (tau + sqrt(s)).
  static void step(MeanField& q, const MeanField& grad, const MeanField& history,
                   double eta_scaled) {
    auto update = [eta_scaled](std::vector<double>& x, const std::vector<double>& g,
                               const std::vector<double>& s) {
      for (size_t d = 0; d < x.size(); ++d) x[d] += eta_scaled * g[d] / (kTau + std::sqrt(s[d]));
    };
    update(q.mu, grad.mu, history.mu);
    update(q.omega, grad.omega, history.omega);
  }

  // Stan's print_progress for the adaptation phase (refresh = adapt_iterations).
  void print_progress(int m, int finish, int refresh) {
    if (!log_) return;
    if (!(m == finish || m == 1 || m % refresh == 0)) return;
    int width = static_cast<int>(std::ceil(std::log10(static_cast<double>(finish))));
    std::ostringstream line;
    line << "Iteration: " << std::setw(width) << m << " / " << finish << " [" << std::setw(3)
         << (100 * m) / finish << "%]  (Adaptation)";
    log_(line.str());
  }

  static std::string format_trace_line(const ElboTraceEntry& entry) {
    std::ostringstream line;
    line << "  " << std::setw(4) << entry.iteration << "  " << std::setw(15) << std::fixed
         << std::setprecision(3) << entry.elbo << "  " << std::setw(16) << entry.rel_mean << "  "
         << std::setw(15) << entry.rel_median;
    if (!entry.notes.empty()) line << "   " << entry.notes;
    return line.str();
  }

  std::string describe_failure(EvalError error, double lp) const {
    return error != 0 ? model_.describe_error(error) : "the log density is " + format_shortest(lp);
  }

  void say(const std::string& line) const {
    if (log_) log_(line);
  }

  void warn(const std::string& line) const {
    if (warn_) warn_(line);
  }

  // Three significant digits, for numbers in warnings.
  static std::string format_brief(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
  }

  const Model& model_;
  const AdviSettings& settings_;
  Rng& rng_;
  const LogLine& log_;
  const LogLine& warn_;
  AdviResult& result_;
  const size_t dim_;
  std::vector<double> eta_draw_;
  std::vector<double> zeta_;
  std::vector<double> grad_;
  std::string fatal_;
  // The model's compiled mean-field ELBO, when it was compiled with one.
  const runtime::CompiledElbo* compiled_ = model_.compiled_elbo("meanfield");
  std::vector<double> phi_, phi_grad_;
  // Standard normals drawn for the compiled ELBO, which draw_zeta replays when it fails.
  NormalBlock normals_;
};

// Settings Stan's check_positive calls would reject, and the ones that would
// make the run loop forever (an infinite eta never shrinks to Stan's smallest
// candidate; an infinite tolerance or radius has no meaning) or overflow a count.
Status check_settings(const AdviSettings& s) {
  auto positive = [](const char* what, double value) -> Status {
    if (value > 0) return Status::ok();
    return Error{std::string("ADVI: ") + what + " must be positive, but is " +
                 format_shortest(value)};
  };
  auto positive_finite = [](const char* what, double value) -> Status {
    if (value > 0 && std::isfinite(value)) return Status::ok();
    return Error{std::string("ADVI: ") + what + " must be positive and finite, but is " +
                 format_shortest(value)};
  };
  for (Status status : {positive("grad_samples", s.grad_samples),
                        positive("elbo_samples", s.elbo_samples),
                        positive("eval_elbo", s.eval_elbo),
                        positive_finite("tol_rel_obj", s.tol_rel_obj),
                        positive("iter (maximum iterations)", s.max_iterations),
                        positive_finite("eta", s.eta)}) {
    if (!status) return status;
  }
  if (s.grad_samples > INT_MAX / kGradRetries) {
    return Error{"ADVI: grad_samples must be at most " + std::to_string(INT_MAX / kGradRetries) +
                 ", but is " + std::to_string(s.grad_samples)};
  }
  if (s.adapt_engaged) {
    if (Status status = positive("adapt iter", s.adapt_iterations); !status) return status;
  }
  if (!(s.init_radius >= 0) || !std::isfinite(s.init_radius)) {
    return Error{"ADVI: init radius must be non-negative and finite, but is " +
                 format_shortest(s.init_radius)};
  }
  return Status::ok();
}

}  // namespace

Expected<AdviResult> run_advi(const Model& model, const AdviSettings& settings, Rng& rng,
                              const std::vector<double>& init, const LogLine& log,
                              const LogLine& warn) {
  if (Status status = check_settings(settings); !status) return Error{status.error()};
  AdviResult result;
  Expected<std::vector<double>> start = initialize_unconstrained(
      model, rng, settings.init_radius, init.empty() ? nullptr : &init, log,
      &result.num_lp_calls, &result.num_lp_grad_calls);
  if (!start) return Error{start.error()};
  result.initial_point = start.take();

  Advi advi(model, settings, rng, log, warn, result);
  double eta = settings.eta;
  // With no parameters every eta gives the same ELBO, which Stan's search reads
  // as failure; there is nothing to adapt.
  if (settings.adapt_engaged && model.dim() > 0) {
    Expected<double> adapted = advi.adapt_eta(result.initial_point);
    if (!adapted) return Error{adapted.error()};
    eta = *adapted;
    result.eta_adapted = true;
  }
  result.eta = eta;

  MeanField q(result.initial_point);
  if (model.dim() == 0) {
    // Nothing to fit (Stan would run fixed_param): the ELBO is the log
    // density, estimated once, and the draws are the generated quantities.
    Expected<double> elbo = advi.calc_elbo(q);
    if (!elbo) return Error{elbo.error()};
    ElboTraceEntry entry;
    entry.elbo = *elbo;
    result.elbo_trace.push_back(entry);
    result.converged = true;
    result.convergence_message = "the model has no parameters";
    return result;
  }
  for (;;) {
    Status status = advi.stochastic_gradient_ascent(q, eta);
    if (status) break;
    // eta is one of Stan's candidates or the user's: the next smaller candidate.
    double smaller = eta / 10;
    if (!advi.fatal_error().empty() || !settings.restart_on_divergence || !(smaller >= 0.01 * (1 - 1e-12)))
      return Error{status.error()};
    std::ostringstream line;
    line << "the ascent diverged at iteration " << result.iterations << " with eta = " << eta << " ("
         << status.error() << "); restarting with eta = " << smaller;
    result.restarts.push_back(line.str());
    if (warn) warn("ADVI: " + line.str());
    eta = smaller;
    result.eta = eta;
    result.elbo_trace.clear();
    q = MeanField(result.initial_point);
  }
  result.mu = std::move(q.mu);
  result.omega = std::move(q.omega);
  return result;
}

}  // namespace vic::runtime
