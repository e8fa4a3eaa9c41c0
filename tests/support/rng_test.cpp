// The MIXMAX engine against outputs of the reference implementation
// (boost::random::mixmax of Boost 1.87, as Stan 2.39 seeds it for chain 1:
// mixmax(0, 1, seed, 1)), and Boost's distributions on top of it.
#include "support/rng.h"

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <gtest/gtest.h>

namespace vic {
namespace {

TEST(Mixmax, MatchesTheReferenceStreams) {
  struct Case {
    uint64_t seed;
    std::vector<uint64_t> first;
  };
  const Case cases[] = {
      {1, {1798757411364240992ULL, 1506256114997500046ULL, 920799751972390107ULL, 1923705468260061851ULL,
           2007045806828498986ULL, 1556852459083564541ULL, 1165780185701315190ULL, 313209097145226966ULL,
           1018189345071721508ULL, 1357373364150378488ULL, 1308836475242157743ULL, 1534319907991365427ULL,
           1490369053139664924ULL, 1744438242779950507ULL, 1816767129094396617ULL, 1353876050235642439ULL,
           696400479477803298ULL, 1080801113794603776ULL, 1447432993297738779ULL, 950127617470152521ULL}},
      {12345, {1161529742525319252ULL, 2227372638596022675ULL, 1573275015561558298ULL, 935845270290999237ULL}},
      {4000000000ULL, {906152446077868809ULL, 501141159720526277ULL, 894295470886122312ULL, 2259835244131907850ULL}},
  };
  for (const Case& c : cases) {
    Mixmax rng(c.seed);
    for (size_t i = 0; i < c.first.size(); ++i) EXPECT_EQ(rng(), c.first[i]) << "seed " << c.seed << ", draw " << i;
  }
}

TEST(Mixmax, BoostDistributionsDrawTheReferenceValues) {
  Mixmax rng(2);
  boost::random::uniform_real_distribution<double> uniform(-2, 2);
  boost::random::normal_distribution<double> normal(0, 1);
  EXPECT_DOUBLE_EQ(uniform(rng), -0.42674808002377618);
  EXPECT_DOUBLE_EQ(uniform(rng), 1.707326157674268);
  EXPECT_DOUBLE_EQ(normal(rng), 0.67240563203918713);
  EXPECT_DOUBLE_EQ(normal(rng), -0.712501329058988);
}

TEST(Mixmax, SameSeedSameStreamOtherSeedOtherStream) {
  Mixmax a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a();
    EXPECT_EQ(x, b());
    EXPECT_LE(x, Mixmax::max());
  }
  EXPECT_NE(Mixmax(7)(), c());
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// A block drawn ahead and then handed out draw by draw gives the stream that
// drawing one at a time gives; a consumed block is not handed out again.
TEST(NormalBlock, AnUnusedBlockIsHandedOutBeforeNewDraws) {
  Rng a(5), b(5);
  std::vector<double> direct(10);
  standard_normals(a, direct.data(), direct.size());
  NormalBlock block;
  const double* first = block.draw(b, 4);
  EXPECT_EQ(std::vector<double>(first, first + 4), std::vector<double>(direct.begin(), direct.begin() + 4));
  std::vector<double> out(3);
  block.next(b, out.data(), 3);
  EXPECT_EQ(out, std::vector<double>(direct.begin(), direct.begin() + 3));
  block.next(b, out.data(), 3);  // the block's last draw, then a new one
  EXPECT_EQ(out, std::vector<double>(direct.begin() + 3, direct.begin() + 6));
  block.draw(b, 2);
  block.consume();
  block.next(b, out.data(), 2);
  EXPECT_EQ(std::vector<double>(out.begin(), out.begin() + 2), std::vector<double>(direct.begin() + 8, direct.begin() + 10));
}

}  // namespace
}  // namespace vic
