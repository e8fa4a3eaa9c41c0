// Every posteriordb model in examples/posteriordb against its SPEC.md
// (../shared/posteriordb/<posterior>/SPEC.md), on small synthetic data written
// here, so the test reads nothing outside the repository: at random pairs of
// unconstrained points a, b, lp(a) - lp(b) equals the SPEC's log density
// written out in C++ plus the log-Jacobian of each constraint transform
// (a positive parameter is exp(u), which adds u), to 1e-9 relative, for both
// the propto density (lp_grad) and the full one (lp). The closed forms drop
// every additive constant the SPECs drop (log sqrt(2 pi), log k!, the
// truncation constant log 2 of a half-t, the normalising constants of the
// Student-t and inverse-gamma): a difference of two points cancels them, and
// LogDensity.AbsoluteValueIncludesEveryConstant checks the constants
// themselves. Models that share a form (earnings, kidiq, mesquite, nes) share
// a helper; each posterior has its own TEST so a failure names it. Last, `vic
// gradcheck` on every model of the folder with the same data, which also
// fails for a model added to the folder without data here.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include <boost/numeric/odeint.hpp>

#include "test_util.h"

namespace vic {
namespace {

using Vec = std::vector<double>;
using Json = nlohmann::json;

const std::string kModelDir = std::string(VIC_SOURCE_DIR) + "/examples/posteriordb/";

std::unique_ptr<testing_util::LoadedModel> compile_posterior(const std::string& posterior, const Json& data) {
  return testing_util::compile_source(posterior + ".vmodel", testing_util::read_file(kModelDir + posterior + ".vmodel"),
                                      data.dump());
}

// One unconstrained coordinate: its constrained output's name and whether it
// is a positive parameter (constrained value exp(u)) or an unbounded one.
struct Coord {
  std::string name;
  bool positive = false;
};

// `base.1` .. `base.n`, unbounded.
std::vector<Coord> vector_coords(const std::string& base, int n) {
  std::vector<Coord> out;
  for (int i = 1; i <= n; ++i) out.push_back({base + "." + std::to_string(i)});
  return out;
}

std::vector<Coord> concat(std::initializer_list<std::vector<Coord>> parts) {
  std::vector<Coord> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Checks that the model's unconstrained layout is `coords` (so the closed
// form reads theta as the model does), then lp(a) - lp(b) against
// closed_form(a) - closed_form(b) at 10 pairs of points uniform in
// (-half_width, half_width). The tolerance is relative to the larger |lp|,
// the scale of the round-off in either sum.
void expect_matches_spec(const runtime::Model& model, const std::vector<Coord>& coords,
                         const std::function<double(const Vec&)>& closed_form, uint64_t seed,
                         double half_width = 2.0, double relative_tolerance = 1e-9) {
  ASSERT_EQ(model.dim(), coords.size());
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-half_width, half_width);
  const size_t n = coords.size();
  for (int pair = 0; pair < 10; ++pair) {
    Vec a(n), b(n), grad(n);
    for (size_t k = 0; k < n; ++k) {
      a[k] = uniform(rng);
      b[k] = uniform(rng);
    }
    if (pair == 0) {
      std::map<std::string, double> out = testing_util::constrained_outputs(model, a);
      for (size_t k = 0; k < n; ++k) {
        auto it = out.find(coords[k].name);
        ASSERT_NE(it, out.end()) << "no output " << coords[k].name;
        const double expected = coords[k].positive ? std::exp(a[k]) : a[k];
        EXPECT_NEAR(it->second, expected, 1e-13 * std::fabs(expected)) << coords[k].name << " is not coordinate " << k;
      }
    }
    runtime::EvalError error = 0;
    const double ca = closed_form(a), cb = closed_form(b);
    ASSERT_TRUE(std::isfinite(ca) && std::isfinite(cb)) << "pair " << pair;
    const double expected = ca - cb;
    const double tolerance = relative_tolerance * std::max({1.0, std::fabs(ca), std::fabs(cb)});
    const double propto = model.lp_grad(a.data(), grad.data(), &error) - model.lp_grad(b.data(), grad.data(), &error);
    ASSERT_EQ(error, 0) << model.describe_error(error);
    const double full = model.lp(a.data(), &error) - model.lp(b.data(), &error);
    ASSERT_EQ(error, 0) << model.describe_error(error);
    EXPECT_NEAR(propto, expected, tolerance) << "pair " << pair << " (lp_grad, propto)";
    EXPECT_NEAR(full, expected, tolerance) << "pair " << pair << " (lp, full)";
  }
}

// log Normal(x | m, s) without log sqrt(2 pi).
double normal_lp(double x, double m, double s) {
  const double z = (x - m) / s;
  return -std::log(s) - 0.5 * z * z;
}

// log StudentT(x | nu, m, s) without its normalising constant, as the SPECs write it.
double student_t_lp(double x, double nu, double m, double s) {
  const double z = (x - m) / s;
  return -(nu + 1) / 2 * std::log1p(z * z / nu);
}

// log InvGamma(x | a, b) (shape a, scale b) without its normalising constant.
double inv_gamma_lp(double x, double a, double b) { return -(a + 1) * std::log(x) - b / x; }

Vec map(const Vec& x, double (*f)(double)) {
  Vec out;
  for (double v : x) out.push_back(f(v));
  return out;
}

Vec times(const Vec& x, const Vec& y) {
  Vec out;
  for (size_t i = 0; i < x.size(); ++i) out.push_back(x[i] * y[i]);
  return out;
}

Vec centred(const Vec& x) {
  double mean = 0;
  for (double v : x) mean += v / static_cast<double>(x.size());
  Vec out;
  for (double v : x) out.push_back(v - mean);
  return out;
}

// y ~ Normal(beta_1 + sum_j beta_{j+1} columns[j], sigma) with flat priors on
// beta and sigma (the form of the earnings, kidiq, mesquite and nes SPECs):
// theta = (beta_1 .. beta_K, u), sigma = exp(u), log-Jacobian u.
double normal_regression_lp(const Vec& y, const std::vector<Vec>& columns, const Vec& t) {
  const double u = t[columns.size() + 1], sigma = std::exp(u);
  double lp = u;
  for (size_t n = 0; n < y.size(); ++n) {
    double mu = t[0];
    for (size_t j = 0; j < columns.size(); ++j) mu += t[j + 1] * columns[j][n];
    lp += normal_lp(y[n], mu, sigma);
  }
  return lp;
}

// The coordinates of the regressions above: beta.1 .. beta.K, sigma.
std::vector<Coord> regression_coords(size_t num_columns) {
  return concat({vector_coords("beta", static_cast<int>(num_columns) + 1), {{"sigma", true}}});
}

// ---------------------------------------------------------------------------------------------
// Synthetic data, one set per family, and the closed form per posterior.

// arK: K = 2 lags on a series of 7.
const int kArK = 2;
const Vec kArY{0.3, -0.5, 0.8, 0.1, -0.9, 0.4, 0.6};
Json ark_data() { return {{"K", kArK}, {"T", kArY.size()}, {"y", kArY}}; }

TEST(PosteriordbClosedForm, ArK) {
  auto m = compile_posterior("arK-arK", ark_data());
  ASSERT_TRUE(m);
  const int K = kArK, T = static_cast<int>(kArY.size());
  // theta = (alpha, beta_1 .. beta_K, u), sigma = exp(u).
  expect_matches_spec(m->model(), concat({{{"alpha"}}, vector_coords("beta", K), {{"sigma", true}}}), [&](const Vec& t) {
    const double alpha = t[0], u = t[K + 1], sigma = std::exp(u);
    double lp = -alpha * alpha / 200 - std::log1p((sigma / 2.5) * (sigma / 2.5)) + u;
    for (int k = 0; k < K; ++k) lp -= t[1 + k] * t[1 + k] / 200;
    // 1-based t in the SPEC: mu_t = alpha + sum_k beta_k y_{t-k}, for t = K+1..T.
    for (int s = K; s < T; ++s) {
      double mu = alpha;
      for (int k = 1; k <= K; ++k) mu += t[k] * kArY[s - k];
      lp += normal_lp(kArY[s], mu, sigma);
    }
    return lp;
  }, 1);
}

// diamonds: X's first column is the intercept column of ones.
const std::vector<Vec> kDiamondsX{{1, 0.3, -1.2}, {1, 1.1, 0.4}, {1, -0.7, 0.9}, {1, 0.2, 2.1}, {1, 1.6, -0.5}};
const Vec kDiamondsY{7.9, 8.6, 7.4, 8.2, 9.1};
Json diamonds_data(int prior_only) {
  return {{"N", kDiamondsY.size()}, {"Y", kDiamondsY}, {"K", 3}, {"X", kDiamondsX}, {"prior_only", prior_only}};
}

void expect_diamonds_matches(int prior_only, uint64_t seed) {
  auto m = compile_posterior("diamonds-diamonds", diamonds_data(prior_only));
  ASSERT_TRUE(m);
  const size_t N = kDiamondsY.size(), Kc = 2;
  // Xc: columns 2..K of X, centred.
  std::vector<Vec> xc;
  for (size_t j = 0; j < Kc; ++j) {
    Vec col;
    for (size_t n = 0; n < N; ++n) col.push_back(kDiamondsX[n][j + 1]);
    xc.push_back(centred(col));
  }
  // theta = (b_1 .. b_Kc, Intercept, u), sigma = exp(u).
  expect_matches_spec(m->model(), concat({vector_coords("b", Kc), {{"Intercept"}, {"sigma", true}}}), [&](const Vec& t) {
    const double intercept = t[Kc], u = t[Kc + 1], sigma = std::exp(u);
    double lp = student_t_lp(intercept, 3, 8, 10) + student_t_lp(sigma, 3, 0, 10) + u;
    for (size_t j = 0; j < Kc; ++j) lp -= t[j] * t[j] / 2;
    if (prior_only == 0) {
      for (size_t n = 0; n < N; ++n) {
        double mu = intercept;
        for (size_t j = 0; j < Kc; ++j) mu += xc[j][n] * t[j];
        lp += normal_lp(kDiamondsY[n], mu, sigma);
      }
    }
    return lp;
  }, seed);
}

TEST(PosteriordbClosedForm, Diamonds) { expect_diamonds_matches(0, 2); }

// prior_only = 1 leaves the likelihood out.
TEST(PosteriordbClosedForm, DiamondsPriorOnly) { expect_diamonds_matches(1, 3); }

// earnings: earn positive (the log models take its log).
const Vec kEarn{2.5, 4.0, 1.2, 7.5, 3.3, 0.9};
const Vec kHeight{1.1, 0.6, 1.8, 1.4, 0.2, 0.9};
const Vec kMale{1, 0, 1, 1, 0, 0};
Json earnings_data() { return {{"N", kEarn.size()}, {"earn", kEarn}, {"height", kHeight}, {"male", kMale}}; }

void expect_earnings_matches(const std::string& posterior, const Vec& y, const std::vector<Vec>& columns,
                             uint64_t seed) {
  auto m = compile_posterior(posterior, earnings_data());
  ASSERT_TRUE(m);
  expect_matches_spec(m->model(), regression_coords(columns.size()),
                      [&](const Vec& t) { return normal_regression_lp(y, columns, t); }, seed);
}

TEST(PosteriordbClosedForm, EarningsEarnHeight) {
  expect_earnings_matches("earnings-earn_height", kEarn, {kHeight}, 4);
}

TEST(PosteriordbClosedForm, EarningsLog10EarnHeight) {
  expect_earnings_matches("earnings-log10earn_height", map(kEarn, std::log10), {kHeight}, 5);
}

TEST(PosteriordbClosedForm, EarningsLogEarnHeight) {
  expect_earnings_matches("earnings-logearn_height", map(kEarn, std::log), {kHeight}, 6);
}

TEST(PosteriordbClosedForm, EarningsLogEarnHeightMale) {
  expect_earnings_matches("earnings-logearn_height_male", map(kEarn, std::log), {kHeight, kMale}, 7);
}

TEST(PosteriordbClosedForm, EarningsLogEarnInteraction) {
  expect_earnings_matches("earnings-logearn_interaction", map(kEarn, std::log),
                          {kHeight, kMale, times(kHeight, kMale)}, 8);
}

// eight schools, J = 4.
const Vec kSchoolsY{2.8, -0.8, 1.5, 0.4};
const Vec kSchoolsSigma{1.5, 0.9, 2.2, 1.1};
Json eight_schools_data() { return {{"J", kSchoolsY.size()}, {"y", kSchoolsY}, {"sigma", kSchoolsSigma}}; }

TEST(PosteriordbClosedForm, EightSchoolsNoncentered) {
  auto m = compile_posterior("eight_schools-eight_schools_noncentered", eight_schools_data());
  ASSERT_TRUE(m);
  const size_t J = kSchoolsY.size();
  // theta = (theta_trans_1 .. theta_trans_J, mu, u), tau = exp(u).
  expect_matches_spec(m->model(), concat({vector_coords("theta_trans", J), {{"mu"}, {"tau", true}}}), [&](const Vec& t) {
    const double mu = t[J], u = t[J + 1], tau = std::exp(u);
    double lp = -mu * mu / 50 - std::log1p((tau / 5) * (tau / 5)) + u;
    for (size_t j = 0; j < J; ++j) lp += -t[j] * t[j] / 2 + normal_lp(kSchoolsY[j], mu + tau * t[j], kSchoolsSigma[j]);
    return lp;
  }, 9);
}

// gp_pois_regr: N = 4 inputs and counts.
const Vec kGpX{-3, -1, 0.5, 2};
const std::vector<int> kGpK{3, 0, 7, 2};
Json gp_pois_regr_data() { return {{"N", kGpX.size()}, {"x", kGpX}, {"k", kGpK}}; }

// The lower Cholesky factor of a symmetric positive-definite matrix (rows).
std::vector<Vec> cholesky(const std::vector<Vec>& a) {
  const size_t n = a.size();
  std::vector<Vec> l(n, Vec(n, 0.0));
  for (size_t j = 0; j < n; ++j) {
    double d = a[j][j];
    for (size_t k = 0; k < j; ++k) d -= l[j][k] * l[j][k];
    l[j][j] = std::sqrt(d);
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i][j];
      for (size_t k = 0; k < j; ++k) s -= l[i][k] * l[j][k];
      l[i][j] = s / l[j][j];
    }
  }
  return l;
}

TEST(PosteriordbClosedForm, GpPoisRegr) {
  auto m = compile_posterior("gp_pois_regr-gp_pois_regr", gp_pois_regr_data());
  ASSERT_TRUE(m);
  const size_t N = kGpX.size();
  // theta = (u_rho, u_alpha, f_tilde_1 .. f_tilde_N). Points within (-1, 1)
  // keep exp(f) moderate, so the tolerance stays tight.
  expect_matches_spec(m->model(), concat({{{"rho", true}, {"alpha", true}}, vector_coords("f_tilde", N)}), [&](const Vec& t) {
    const double rho = std::exp(t[0]), alpha = std::exp(t[1]);
    std::vector<Vec> kmat(N, Vec(N));
    for (size_t i = 0; i < N; ++i)
      for (size_t j = 0; j < N; ++j)
        kmat[i][j] = alpha * alpha * std::exp(-(kGpX[i] - kGpX[j]) * (kGpX[i] - kGpX[j]) / (2 * rho * rho)) +
                     (i == j ? 1e-10 : 0.0);
    std::vector<Vec> l = cholesky(kmat);
    double lp = 24 * std::log(rho) - 4 * rho - alpha * alpha / 8 + t[0] + t[1];
    for (size_t i = 0; i < N; ++i) {
      double f = 0;
      for (size_t j = 0; j <= i; ++j) f += l[i][j] * t[2 + j];
      lp += -t[2 + i] * t[2 + i] / 2 + kGpK[i] * f - std::exp(f);
    }
    return lp;
  }, 10, 1.0);
}

// kidiq (and kidiq_with_mom_work): one data set with every field either uses.
const Vec kKidScore{1.5, 0.2, 2.1, 0.9, 1.3, 1.8};
const Vec kMomHs{0, 1, 1, 0, 1, 1};
const Vec kMomIq{0.8, 1.1, 1.9, 0.4, 1.2, 0.7};
const std::vector<int> kMomWork{1, 2, 3, 4, 2, 4};
Json kidiq_data() {
  return {{"N", kKidScore.size()}, {"kid_score", kKidScore}, {"mom_hs", kMomHs}, {"mom_iq", kMomIq},
          {"mom_work", kMomWork}};
}

// The kidiq regressions; `half_cauchy` adds the SPEC's sigma ~ HalfCauchy(0, 2.5).
void expect_kidiq_matches(const std::string& posterior, const std::vector<Vec>& columns, bool half_cauchy,
                          uint64_t seed) {
  auto m = compile_posterior(posterior, kidiq_data());
  ASSERT_TRUE(m);
  expect_matches_spec(m->model(), regression_coords(columns.size()), [&](const Vec& t) {
    const double sigma = std::exp(t[columns.size() + 1]);
    return normal_regression_lp(kKidScore, columns, t) - (half_cauchy ? std::log1p((sigma / 2.5) * (sigma / 2.5)) : 0.0);
  }, seed);
}

TEST(PosteriordbClosedForm, KidiqKidscoreInteraction) {
  expect_kidiq_matches("kidiq-kidscore_interaction", {kMomHs, kMomIq, times(kMomHs, kMomIq)}, true, 11);
}

TEST(PosteriordbClosedForm, KidiqKidscoreMomhs) { expect_kidiq_matches("kidiq-kidscore_momhs", {kMomHs}, true, 12); }

TEST(PosteriordbClosedForm, KidiqKidscoreMomiq) { expect_kidiq_matches("kidiq-kidscore_momiq", {kMomIq}, true, 13); }

TEST(PosteriordbClosedForm, KidiqWithMomWorkKidscoreInteractionC) {
  const Vec hs = centred(kMomHs), iq = centred(kMomIq);
  expect_kidiq_matches("kidiq_with_mom_work-kidscore_interaction_c", {hs, iq, times(hs, iq)}, false, 14);
}

TEST(PosteriordbClosedForm, KidiqWithMomWorkKidscoreInteractionZ) {
  // (x - mean) / (2 sd), sd with denominator N - 1.
  auto z = [](const Vec& x) {
    Vec c = centred(x);
    double ss = 0;
    for (double v : c) ss += v * v;
    const double sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
    for (double& v : c) v /= 2 * sd;
    return c;
  };
  const Vec hs = z(kMomHs), iq = z(kMomIq);
  expect_kidiq_matches("kidiq_with_mom_work-kidscore_interaction_z", {hs, iq, times(hs, iq)}, false, 15);
}

TEST(PosteriordbClosedForm, KidiqWithMomWorkKidscoreMomWork) {
  std::vector<Vec> work(3);
  for (int w : kMomWork)
    for (int c = 2; c <= 4; ++c) work[c - 2].push_back(w == c ? 1.0 : 0.0);
  expect_kidiq_matches("kidiq_with_mom_work-kidscore_mom_work", work, false, 16);
}

// mcycle_gp: N = 4 observations, 3 basis functions for the mean, 2 for the log sd.
const Vec kMcY{-1.2, 0.4, 2.3, -0.6};
const std::vector<Vec> kMcX{{0.5, -0.3, 0.8}, {0.1, 0.7, -0.4}, {-0.6, 0.2, 0.3}, {0.7, -0.8, -0.1}};
const Vec kMcLambda{0.5, 1.0, 1.5};
const std::vector<Vec> kMcXs{{0.4, -0.2}, {-0.7, 0.5}, {0.3, 0.6}, {0.8, -0.1}};
const Vec kMcLambdaSigma{0.5, 1.0};
Json mcycle_data() {
  std::vector<Vec> lambda, lambda_sigma;
  for (double w : kMcLambda) lambda.push_back({w});
  for (double w : kMcLambdaSigma) lambda_sigma.push_back({w});
  return {{"N", kMcY.size()}, {"Y", kMcY},
          {"Dgp_1", 1}, {"NBgp_1", kMcLambda.size()}, {"Kgp_1", 1}, {"Xgp_1", kMcX}, {"slambda_1", lambda},
          {"Dgp_sigma_1", 1}, {"NBgp_sigma_1", kMcLambdaSigma.size()}, {"Kgp_sigma_1", 1}, {"Xgp_sigma_1", kMcXs},
          {"slambda_sigma_1", lambda_sigma}, {"prior_only", 0}};
}

TEST(PosteriordbClosedForm, McycleGpAccelGp) {
  auto m = compile_posterior("mcycle_gp-accel_gp", mcycle_data());
  ASSERT_TRUE(m);
  const size_t B = kMcLambda.size(), Bs = kMcLambdaSigma.size();
  // theta = (Intercept, u_sdgp_1, u_lscale_1, zgp_1[B], Intercept_sigma,
  // u_sdgp_sigma_1, u_lscale_sigma_1, zgp_sigma_1[Bs]). Points within (-1, 1)
  // keep exp(log_sigma_n) from making |lp| astronomically large.
  std::vector<Coord> coords = concat({{{"Intercept"}, {"sdgp_1", true}, {"lscale_1", true}}, vector_coords("zgp_1", B),
                                      {{"Intercept_sigma"}, {"sdgp_sigma_1", true}, {"lscale_sigma_1", true}},
                                      vector_coords("zgp_sigma_1", Bs)});
  expect_matches_spec(m->model(), coords, [&](const Vec& t) {
    // sqrt(S(w; s, l)), S(w; s, l) = s^2 sqrt(2 pi) l exp(-l^2 w^2 / 2).
    auto d = [](double w, double s, double l) {
      return std::sqrt(s * s * std::sqrt(2 * std::numbers::pi) * l * std::exp(-0.5 * l * l * w * w));
    };
    const double intercept = t[0], sd = std::exp(t[1]), ls = std::exp(t[2]);
    const double* z = &t[3];
    const double intercept_s = t[3 + B], sd_s = std::exp(t[4 + B]), ls_s = std::exp(t[5 + B]);
    const double* zs = &t[6 + B];
    double lp = student_t_lp(intercept, 3, -13, 36) + student_t_lp(sd, 3, 0, 36) + inv_gamma_lp(ls, 1.124909, 0.0177) +
                student_t_lp(intercept_s, 3, 0, 10) + student_t_lp(sd_s, 3, 0, 36) +
                inv_gamma_lp(ls_s, 1.124909, 0.0177);
    lp += t[1] + t[2] + t[4 + B] + t[5 + B];
    for (size_t b = 0; b < B; ++b) lp -= z[b] * z[b] / 2;
    for (size_t b = 0; b < Bs; ++b) lp -= zs[b] * zs[b] / 2;
    for (size_t n = 0; n < kMcY.size(); ++n) {
      double mu = intercept, log_sigma = intercept_s;
      for (size_t b = 0; b < B; ++b) mu += kMcX[n][b] * d(kMcLambda[b], sd, ls) * z[b];
      for (size_t b = 0; b < Bs; ++b) log_sigma += kMcXs[n][b] * d(kMcLambdaSigma[b], sd_s, ls_s) * zs[b];
      lp += normal_lp(kMcY[n], mu, std::exp(log_sigma));
    }
    return lp;
  }, 17, 1.0);
}

// mesquite: every field positive but group (0 or 1).
const Vec kWeight{160, 401, 93, 1250, 520, 75};
const Vec kDiam1{1.8, 2.6, 1.1, 4.0, 3.1, 0.9};
const Vec kDiam2{1.2, 2.0, 0.7, 3.2, 1.9, 0.6};
const Vec kCanopyHeight{1.0, 1.4, 0.7, 2.2, 1.5, 0.6};
const Vec kTotalHeight{1.3, 1.8, 0.9, 2.7, 1.7, 0.8};
const Vec kDensity{1, 2, 1, 5, 3, 9};
const Vec kGroup{0, 0, 1, 1, 0, 1};
Json mesquite_data() {
  return {{"N", kWeight.size()}, {"weight", kWeight}, {"diam1", kDiam1}, {"diam2", kDiam2},
          {"canopy_height", kCanopyHeight}, {"total_height", kTotalHeight}, {"density", kDensity}, {"group", kGroup}};
}

void expect_mesquite_matches(const std::string& posterior, const std::vector<Vec>& columns, uint64_t seed) {
  auto m = compile_posterior(posterior, mesquite_data());
  ASSERT_TRUE(m);
  const Vec y = map(kWeight, std::log);
  expect_matches_spec(m->model(), regression_coords(columns.size()),
                      [&](const Vec& t) { return normal_regression_lp(y, columns, t); }, seed);
}

// log(diam1 * diam2 * canopy_height), log(diam1 * diam2), log(diam1 / diam2).
Vec log_canopy_volume() { return map(times(times(kDiam1, kDiam2), kCanopyHeight), std::log); }
Vec log_canopy_area() { return map(times(kDiam1, kDiam2), std::log); }
Vec log_canopy_shape() {
  Vec out;
  for (size_t n = 0; n < kDiam1.size(); ++n) out.push_back(std::log(kDiam1[n] / kDiam2[n]));
  return out;
}

TEST(PosteriordbClosedForm, MesquiteLogmesquite) {
  expect_mesquite_matches("mesquite-logmesquite",
                          {map(kDiam1, std::log), map(kDiam2, std::log), map(kCanopyHeight, std::log),
                           map(kTotalHeight, std::log), map(kDensity, std::log), kGroup},
                          18);
}

TEST(PosteriordbClosedForm, MesquiteLogmesquiteLogva) {
  expect_mesquite_matches("mesquite-logmesquite_logva", {log_canopy_volume(), log_canopy_area(), kGroup}, 19);
}

TEST(PosteriordbClosedForm, MesquiteLogmesquiteLogvas) {
  expect_mesquite_matches("mesquite-logmesquite_logvas",
                          {log_canopy_volume(), log_canopy_area(), log_canopy_shape(), map(kTotalHeight, std::log),
                           map(kDensity, std::log), kGroup},
                          20);
}

TEST(PosteriordbClosedForm, MesquiteLogmesquiteLogvolume) {
  expect_mesquite_matches("mesquite-logmesquite_logvolume", {log_canopy_volume()}, 21);
}

// nes: the seven years share one SPEC; every age group appears.
const Vec kPartyId{1, 4, 7, 2, 5, 6, 3};
const Vec kRealIdeo{2, 4, 6, 1, 5, 7, 3};
const Vec kRaceAdj{1, 1.5, 2, 1, 1, 2, 1.5};
const std::vector<int> kAge{1, 2, 3, 4, 2, 3, 1};
const Vec kEduc{1, 2, 3, 4, 2, 4, 3};
const Vec kGender{1, 2, 2, 1, 1, 2, 1};
const Vec kIncome{1, 3, 5, 2, 4, 3, 2};
Json nes_data() {
  return {{"N", kPartyId.size()}, {"partyid7", kPartyId}, {"real_ideo", kRealIdeo}, {"race_adj", kRaceAdj},
          {"age_discrete", kAge}, {"educ1", kEduc}, {"gender", kGender}, {"income", kIncome}};
}

void expect_nes_matches(const std::string& posterior, uint64_t seed) {
  auto m = compile_posterior(posterior, nes_data());
  ASSERT_TRUE(m);
  std::vector<Vec> age(3);
  for (int a : kAge)
    for (int c = 2; c <= 4; ++c) age[c - 2].push_back(a == c ? 1.0 : 0.0);
  // Coefficient order: intercept, real_ideo, race_adj, age30_44, age45_64, age65up, educ1, gender, income.
  const std::vector<Vec> columns{kRealIdeo, kRaceAdj, age[0], age[1], age[2], kEduc, kGender, kIncome};
  expect_matches_spec(m->model(), regression_coords(columns.size()),
                      [&](const Vec& t) { return normal_regression_lp(kPartyId, columns, t); }, seed);
}

TEST(PosteriordbClosedForm, Nes1972) { expect_nes_matches("nes1972-nes", 22); }
TEST(PosteriordbClosedForm, Nes1976) { expect_nes_matches("nes1976-nes", 23); }
TEST(PosteriordbClosedForm, Nes1980) { expect_nes_matches("nes1980-nes", 24); }
TEST(PosteriordbClosedForm, Nes1984) { expect_nes_matches("nes1984-nes", 25); }
TEST(PosteriordbClosedForm, Nes1988) { expect_nes_matches("nes1988-nes", 26); }
TEST(PosteriordbClosedForm, Nes1992) { expect_nes_matches("nes1992-nes", 27); }
TEST(PosteriordbClosedForm, Nes1996) { expect_nes_matches("nes1996-nes", 28); }

// sblrc: N = 5 rows of D = 3 predictors, no intercept.
const std::vector<Vec> kBlrX{{0.5, -1.1, 2.0}, {1.3, 0.2, -0.7}, {-0.4, 0.9, 0.3}, {2.2, -0.5, 1.1}, {0.1, 1.7, -1.6}};
const Vec kBlrY{1.4, 0.8, -0.3, 2.9, -1.1};
Json sblrc_data() { return {{"N", kBlrY.size()}, {"D", 3}, {"X", kBlrX}, {"y", kBlrY}}; }

TEST(PosteriordbClosedForm, SblrcBlr) {
  auto m = compile_posterior("sblrc-blr", sblrc_data());
  ASSERT_TRUE(m);
  const size_t D = 3;
  // theta = (beta_1 .. beta_D, u), sigma = exp(u).
  expect_matches_spec(m->model(), regression_coords(D - 1), [&](const Vec& t) {
    const double u = t[D], sigma = std::exp(u);
    double lp = -sigma * sigma / 200 + u;
    for (size_t d = 0; d < D; ++d) lp -= t[d] * t[d] / 200;
    for (size_t n = 0; n < kBlrY.size(); ++n) {
      double mu = 0;
      for (size_t d = 0; d < D; ++d) mu += kBlrX[n][d] * t[d];
      lp += normal_lp(kBlrY[n], mu, sigma);
    }
    return lp;
  }, 29);
}

// hmm_example: N = 6 observations, K = 2 states. theta1, theta2 are simplexes
// (one free value u each: x_1 = inv_logit(sqrt(2) u), log-Jacobian log x_1 +
// log x_2 + log(2) / 2, Stan 2.39's transform) and mu is positive ordered
// (mu_1 = exp(u_1), mu_2 = mu_1 + exp(u_2), log-Jacobian u_1 + u_2).
const Vec kHmmY{3.8, 8.2, 9.4, 2.9, 3.3, 10.1};
Json hmm_data() { return {{"N", kHmmY.size()}, {"K", 2}, {"y", kHmmY}}; }

double log_sum_exp(double a, double b) {
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

TEST(PosteriordbClosedForm, HmmExample) {
  auto m = compile_posterior("hmm_example-hmm_example", hmm_data());
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  ASSERT_EQ(model.dim(), 4u);
  auto simplex = [](double u) {
    const double x1 = 1 / (1 + std::exp(-std::sqrt(2.0) * u));
    return std::pair<Vec, double>{{x1, 1 - x1}, std::log(x1) + std::log(1 - x1) + 0.5 * std::log(2.0)};
  };
  auto closed_form = [&](const Vec& t) {
    auto [theta1, j1] = simplex(t[0]);
    auto [theta2, j2] = simplex(t[1]);
    const Vec mu{std::exp(t[2]), std::exp(t[2]) + std::exp(t[3])};
    const std::vector<Vec> theta{theta1, theta2};
    double lp = j1 + j2 + t[2] + t[3] + normal_lp(mu[0], 3, 1) + normal_lp(mu[1], 10, 1);
    Vec g{normal_lp(kHmmY[0], mu[0], 1), normal_lp(kHmmY[0], mu[1], 1)};
    for (size_t t_ = 1; t_ < kHmmY.size(); ++t_) {
      Vec next(2);
      for (int k = 0; k < 2; ++k) {
        const double e = normal_lp(kHmmY[t_], mu[static_cast<size_t>(k)], 1);
        next[static_cast<size_t>(k)] = log_sum_exp(g[0] + std::log(theta[0][static_cast<size_t>(k)]) + e,
                                                   g[1] + std::log(theta[1][static_cast<size_t>(k)]) + e);
      }
      g = next;
    }
    return lp + log_sum_exp(g[0], g[1]);
  };
  std::mt19937_64 rng(30);
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  for (int pair = 0; pair < 10; ++pair) {
    Vec a(4), b(4), grad(4);
    for (size_t k = 0; k < 4; ++k) a[k] = uniform(rng), b[k] = uniform(rng);
    runtime::EvalError error = 0;
    const double expected = closed_form(a) - closed_form(b);
    const double tolerance = 1e-9 * std::max({1.0, std::fabs(closed_form(a)), std::fabs(closed_form(b))});
    EXPECT_NEAR(model.lp_grad(a.data(), grad.data(), &error) - model.lp_grad(b.data(), grad.data(), &error), expected,
                tolerance);
    EXPECT_NEAR(model.lp(a.data(), &error) - model.lp(b.data(), &error), expected, tolerance);
    ASSERT_EQ(error, 0);
  }
  // theta1's output is the simplex of its free value.
  std::map<std::string, double> out = testing_util::constrained_outputs(model, {0.4, -0.3, 0.2, 0.1});
  EXPECT_NEAR(out.at("theta1.1"), simplex(0.4).first[0], 1e-15);
  EXPECT_NEAR(out.at("mu.2"), std::exp(0.2) + std::exp(0.1), 1e-15);
}

// hudson_lynx_hare-lotka_volterra: N = 4 times. The populations are solved
// here by classical Runge-Kutta 4 at a fixed step of 1e-4 (not the model's
// adaptive Dormand-Prince at tolerance 1e-8): the two agree to about 1e-8
// relative, so the tolerance is 1e-6 of |lp|.
const Vec kLvTimes{1, 2, 3, 4};
const Vec kLvInit{3.0, 1.5};
const std::vector<Vec> kLvY{{2.5, 2.0}, {1.2, 2.6}, {0.9, 1.4}, {1.8, 0.8}};
Json lotka_volterra_data() { return {{"N", kLvTimes.size()}, {"ts", kLvTimes}, {"y_init", kLvInit}, {"y", kLvY}}; }

// log LogNormal(x | m, s) without log sqrt(2 pi) and the data's -log x.
double lognormal_lp(double x, double m, double s) { return normal_lp(std::log(x), m, s); }

TEST(PosteriordbClosedForm, HudsonLynxHareLotkaVolterra) {
  auto m = compile_posterior("hudson_lynx_hare-lotka_volterra", lotka_volterra_data());
  ASSERT_TRUE(m);
  std::vector<Coord> coords;
  for (const char* base : {"theta", "z_init", "sigma"})
    for (int i = 1; i <= (std::string(base) == "theta" ? 4 : 2); ++i) coords.push_back({base + ("." + std::to_string(i)), true});
  auto closed_form = [](const Vec& t) {
    const Vec theta = map(Vec(t.begin(), t.begin() + 4), std::exp);
    const Vec z0 = map(Vec(t.begin() + 4, t.begin() + 6), std::exp);
    const Vec sigma = map(Vec(t.begin() + 6, t.end()), std::exp);
    double lp = 0;
    for (double u : t) lp += u;  // each parameter is exp(u)
    lp += normal_lp(theta[0], 1, 0.5) + normal_lp(theta[2], 1, 0.5) + normal_lp(theta[1], 0.05, 0.05) +
          normal_lp(theta[3], 0.05, 0.05);
    for (int k = 0; k < 2; ++k)
      lp += lognormal_lp(sigma[k], -1, 1) - std::log(sigma[k]) + lognormal_lp(z0[k], std::log(10.0), 1) - std::log(z0[k]);
    // The populations at each time.
    auto rhs = [&](const Vec& z, Vec& dz, double) {
      dz[0] = (theta[0] - theta[1] * z[1]) * z[0];
      dz[1] = (-theta[2] + theta[3] * z[0]) * z[1];
    };
    Vec z = z0;
    double now = 0;
    for (int k = 0; k < 2; ++k) lp += lognormal_lp(kLvInit[k], std::log(z0[k]), sigma[k]);
    for (size_t n = 0; n < kLvTimes.size(); ++n) {
      boost::numeric::odeint::integrate_const(boost::numeric::odeint::runge_kutta4<Vec>(), rhs, z, now, kLvTimes[n], 1e-4);
      now = kLvTimes[n];
      for (int k = 0; k < 2; ++k) lp += lognormal_lp(kLvY[n][k], std::log(z[k]), sigma[k]);
    }
    return lp;
  };
  expect_matches_spec(m->model(), coords, closed_form, 31, 0.5, 1e-6);

  // The gradient (the ODE's sensitivities) against central differences at
  // points of the same range. (gradcheck's points, uniform in (-2, 2), give
  // predation rates up to e^2 under which the populations fall below any
  // absolute tolerance and the differences themselves change with it.)
  const runtime::Model& model = m->model();
  std::mt19937_64 rng(32);
  std::uniform_real_distribution<double> uniform(-0.5, 0.5);
  for (int point = 0; point < 3; ++point) {
    Vec t(8), grad(8);
    for (double& x : t) x = uniform(rng);
    runtime::EvalError error = 0;
    model.lp_grad(t.data(), grad.data(), &error);
    ASSERT_EQ(error, 0);
    for (size_t k = 0; k < 8; ++k) {
      Vec up = t, down = t;
      up[k] += 1e-5;
      down[k] -= 1e-5;
      const double fd = (model.lp(up.data(), &error) - model.lp(down.data(), &error)) / 2e-5;
      EXPECT_NEAR(grad[k], fd, 1e-5 * std::max(1.0, std::fabs(fd))) << "point " << point << ", coordinate " << k;
    }
  }
}

// ---------------------------------------------------------------------------------------------

// The synthetic data of each posterior above.
std::map<std::string, Json> synthetic_data() {
  std::map<std::string, Json> d{{"arK-arK", ark_data()},
                                {"diamonds-diamonds", diamonds_data(0)},
                                {"eight_schools-eight_schools_noncentered", eight_schools_data()},
                                {"gp_pois_regr-gp_pois_regr", gp_pois_regr_data()},
                                {"hmm_example-hmm_example", hmm_data()},
                                {"hudson_lynx_hare-lotka_volterra", lotka_volterra_data()},
                                {"mcycle_gp-accel_gp", mcycle_data()},
                                {"sblrc-blr", sblrc_data()}};
  for (const char* p : {"earnings-earn_height", "earnings-log10earn_height", "earnings-logearn_height",
                        "earnings-logearn_height_male", "earnings-logearn_interaction"})
    d[p] = earnings_data();
  for (const char* p : {"kidiq-kidscore_interaction", "kidiq-kidscore_momhs", "kidiq-kidscore_momiq",
                        "kidiq_with_mom_work-kidscore_interaction_c", "kidiq_with_mom_work-kidscore_interaction_z",
                        "kidiq_with_mom_work-kidscore_mom_work"})
    d[p] = kidiq_data();
  for (const char* p : {"mesquite-logmesquite", "mesquite-logmesquite_logva", "mesquite-logmesquite_logvas",
                        "mesquite-logmesquite_logvolume"})
    d[p] = mesquite_data();
  for (const char* p : {"nes1972-nes", "nes1976-nes", "nes1980-nes", "nes1984-nes", "nes1988-nes", "nes1992-nes",
                        "nes1996-nes"})
    d[p] = nes_data();
  return d;
}

// `vic gradcheck` at seeds 1-3 on every model of examples/posteriordb, each
// with its synthetic data; a model without data here fails, so a new model
// cannot join the folder without a closed-form test beside it.
TEST(PosteriordbClosedForm, GradcheckPassesOnEveryModel) {
  const std::map<std::string, Json> data = synthetic_data();
  std::vector<std::string> posteriors;
  for (const auto& entry : std::filesystem::directory_iterator(kModelDir))
    if (entry.path().extension() == ".vmodel") posteriors.push_back(entry.path().stem().string());
  std::sort(posteriors.begin(), posteriors.end());
  EXPECT_EQ(posteriors.size(), data.size());
  for (const std::string& p : posteriors) {
    auto it = data.find(p);
    if (it == data.end()) {
      ADD_FAILURE() << p << ".vmodel has no synthetic data (and so no closed-form test) here";
      continue;
    }
    auto m = compile_posterior(p, it->second);
    if (!m) {
      ADD_FAILURE() << p << " does not compile";
      continue;
    }
    // (The ODE model's gradient is checked at points of its own, above.)
    if (p != "hudson_lynx_hare-lotka_volterra") testing_util::expect_gradcheck_passes(m->model(), 3, p);
  }
}

}  // namespace
}  // namespace vic
