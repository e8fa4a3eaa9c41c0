// Whether a fit that ran to the end can be trusted. ADVI can finish, write its
// draws and still have produced an approximation that means nothing: the
// ascent stopped at the iteration limit, it was diverging, the ELBO is not a
// number, or it converged to a worse point than one it had passed. `vic fit`
// exits with status 3 when any of these holds and prints the reasons.
#pragma once

#include <string>
#include <vector>

#include "runtime/advi.h"

namespace vic::runtime {

// The reasons `result` cannot be trusted, one short clause each (no
// capital, no full stop); empty when it can. In this order: the maximum
// number of iterations was reached without convergence; the last ELBO
// evaluation carried Stan's "MAY BE DIVERGING" note; the final ELBO is not
// finite; the ELBO at convergence is more than 5% below the best seen.
std::vector<std::string> untrusted_fit_reasons(const AdviResult& result);

}  // namespace vic::runtime
