// The gradient check.
#include "tools/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/random/uniform_real_distribution.hpp>

namespace vic::tools {

Expected<GradcheckReport> gradcheck(const runtime::Model& model, const GradcheckSettings& s) {
  Rng rng(s.seed);
  boost::random::uniform_real_distribution<double> uniform(-2.0, 2.0);
  size_t n = model.dim();
  std::vector<double> theta(n), grad(n);
  runtime::EvalError error = 0;
  for (double& t : theta) t = uniform(rng);
  GradcheckReport report;
  report.threshold = s.error;
  report.log_density = model.lp_grad(theta.data(), grad.data(), &error);
  if (error) return Error{"the log density cannot be evaluated at the random point: " + model.describe_error(error)};
  for (size_t k = 0; k < n; ++k) {
    std::vector<double> plus = theta, minus = theta;
    plus[k] += s.epsilon;
    minus[k] -= s.epsilon;
    // The propto density's differences: lp_grad's value, not lp's, so that the
    // same terms are compared.
    std::vector<double> scratch(n);
    double up = model.lp_grad(plus.data(), scratch.data(), &error);
    double down = model.lp_grad(minus.data(), scratch.data(), &error);
    if (error) return Error{"the log density failed near the random point: " + model.describe_error(error)};
    double fd = (up - down) / (2 * s.epsilon);
    GradcheckEntry e{theta[k], grad[k], fd, (grad[k] - fd) / std::max(1.0, std::fabs(fd))};
    if (!(std::fabs(e.error) <= s.error)) ++report.num_failures;
    report.entries.push_back(e);
  }
  return report;
}

void print_gradcheck_report(std::ostream& out, const GradcheckReport& r) {
  char line[160];
  std::snprintf(line, sizeof line, "Log density = %.10g\n\n", r.log_density);
  out << line;
  std::snprintf(line, sizeof line, "%10s %15s %15s %15s %15s\n", "param idx", "value", "model", "finite diff", "error");
  out << line;
  for (size_t k = 0; k < r.entries.size(); ++k) {
    const GradcheckEntry& e = r.entries[k];
    std::snprintf(line, sizeof line, "%10zu %15.6g %15.6g %15.6g %15.6g%s\n", k, e.value, e.model, e.finite_diff, e.error,
                  std::fabs(e.error) <= r.threshold ? "" : "  <- exceeds the threshold");
    out << line;
  }
  std::snprintf(line, sizeof line, "\n%d of %zu gradient entries differ from finite differences by more than %g (relative where |finite diff| > 1)\n",
                r.num_failures, r.entries.size(), r.threshold);
  out << line;
}

}  // namespace vic::tools
