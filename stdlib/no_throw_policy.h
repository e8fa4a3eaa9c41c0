// The Boost.Math error policy of everything compiled code calls: domain,
// pole, overflow and evaluation errors come back as NaN or inf, never as an
// exception (compiled code never throws).
#pragma once

#include <boost/math/policies/policy.hpp>

namespace vic::stdlib {

using NoThrow = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>>;

}  // namespace vic::stdlib
