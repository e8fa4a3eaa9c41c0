// The random number generator shared by ADVI and the `_rng` functions that
// generated quantities call from compiled code. Seeded explicitly: the same seed
// gives the same draws, byte for byte.
#pragma once

#include <boost/random/mersenne_twister.hpp>

namespace vic {

using Rng = boost::random::mt19937_64;

}  // namespace vic
