// Pareto-smoothed importance sampling (psis.h), as the reference
// implementation (R's loo package) computes it.
#include "runtime/psis.h"

#include <boost/random/discrete_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace vic::runtime {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double log_sum_exp(const std::vector<double>& x) {
  const double m = *std::max_element(x.begin(), x.end());
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

// The GPD's quantile at probability p.
double gpd_quantile(double p, const GeneralizedPareto& g) {
  if (g.k == 0) return -g.sigma * std::log1p(-p);
  return g.sigma * std::expm1(-g.k * std::log1p(-p)) / g.k;
}

}  // namespace

GeneralizedPareto fit_generalized_pareto(const std::vector<double>& x) {
  const size_t n = x.size();
  const double nd = static_cast<double>(n);
  // Zhang and Stephens: a grid of m values of theta = -k / sigma, each
  // weighted by its profile likelihood; the posterior mean of theta.
  constexpr double kPrior = 3;
  const size_t m = 30 + static_cast<size_t>(std::floor(std::sqrt(nd)));
  const double first_quartile = x[static_cast<size_t>(std::floor(nd / 4 + 0.5)) - 1];
  const double largest = x[n - 1];
  auto mean_log1p = [&](double theta) {
    double s = 0;
    for (double v : x) s += std::log1p(-theta * v);
    return s / nd;
  };
  std::vector<double> theta(m), log_lik(m);
  for (size_t j = 0; j < m; ++j) {
    const double jj = static_cast<double>(j + 1);
    theta[j] = 1 / largest + (1 - std::sqrt(static_cast<double>(m) / (jj - 0.5))) / kPrior / first_quartile;
    const double k = mean_log1p(theta[j]);
    log_lik[j] = nd * (std::log(-theta[j] / k) - k - 1);
  }
  const double total = log_sum_exp(log_lik);
  double theta_hat = 0;
  for (size_t j = 0; j < m; ++j) theta_hat += theta[j] * std::exp(log_lik[j] - total);
  GeneralizedPareto g;
  g.k = mean_log1p(theta_hat);
  g.sigma = -g.k / theta_hat;
  // The weakly informative prior: k as if 10 more observations had k = 0.5.
  constexpr double kPriorObservations = 10;
  g.k = (nd * g.k + kPriorObservations * 0.5) / (nd + kPriorObservations);
  if (std::isnan(g.k)) g.k = kInf;
  return g;
}

ParetoSmoothed pareto_smooth(const std::vector<double>& log_ratios) {
  ParetoSmoothed out;
  const size_t s = log_ratios.size();
  out.log_weights.assign(s, -kInf);
  if (s == 0) {
    out.k_hat = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  std::vector<double> lw(s);
  double max = -kInf;
  for (size_t i = 0; i < s; ++i) {
    lw[i] = std::isnan(log_ratios[i]) ? -kInf : log_ratios[i];
    max = std::max(max, lw[i]);
  }
  if (!std::isfinite(max)) {  // no draw the model accepts, or an infinite ratio
    out.k_hat = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  for (double& v : lw) v -= max;

  // The tail: the largest min(0.2 S, 3 sqrt(S)) ratios, above the next one.
  const double sd = static_cast<double>(s);
  const size_t tail = static_cast<size_t>(std::ceil(std::min(0.2 * sd, 3 * std::sqrt(sd))));
  out.tail_length = tail;
  std::vector<size_t> order(s);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lw[a] < lw[b]; });
  const bool fits = tail >= 5 && tail < s && std::isfinite(lw[order[s - tail - 1]]);
  if (!fits) {
    out.k_hat = std::numeric_limits<double>::quiet_NaN();
  } else {
    const double cutoff = lw[order[s - tail - 1]];
    const double lowest = lw[order[s - tail]];
    if (lowest == 0.0 || -cutoff < 1e-9) {
      // Every tail ratio equals the largest, to rounding: the weights have no
      // tail at all (q is the posterior up to a constant).
      out.k_hat = 0;
    } else {
      const double exp_cutoff = std::exp(cutoff);
      std::vector<double> exceedances(tail);
      for (size_t i = 0; i < tail; ++i) exceedances[i] = std::exp(lw[order[s - tail + i]]) - exp_cutoff;
      const GeneralizedPareto g = fit_generalized_pareto(exceedances);
      out.k_hat = g.k;
      if (std::isfinite(g.k)) {
        // The tail's ratios replaced by the fitted distribution's quantiles,
        // never above the largest raw ratio.
        for (size_t i = 0; i < tail; ++i) {
          const double p = (static_cast<double>(i) + 0.5) / static_cast<double>(tail);
          lw[order[s - tail + i]] = std::min(0.0, std::log(gpd_quantile(p, g) + exp_cutoff));
        }
      }
    }
  }
  const double norm = log_sum_exp(lw);
  for (size_t i = 0; i < s; ++i) out.log_weights[i] = lw[i] - norm;
  return out;
}

std::string format_k_hat(double k_hat) {
  if (std::isnan(k_hat)) return "nan";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", k_hat);
  return text;
}

std::string describe_k_hat(double k_hat) {
  if (std::isnan(k_hat)) return "not computed (too few draws with a finite log density)";
  if (k_hat < 0.5) return "good (below 0.5)";
  if (k_hat <= 0.7) return "usable (0.5 to 0.7: importance-sampling estimates converge slowly)";
  return "do not trust the fit (above 0.7: the approximation is far from the posterior)";
}

std::vector<size_t> psis_resample(const ParetoSmoothed& smoothed, size_t count, Rng& rng) {
  std::vector<double> weights(smoothed.log_weights.size());
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = std::exp(smoothed.log_weights[i]);
  boost::random::discrete_distribution<size_t, double> pick(weights.begin(), weights.end());
  std::vector<size_t> indices(count);
  for (size_t& index : indices) index = pick(rng);
  return indices;
}

}  // namespace vic::runtime
