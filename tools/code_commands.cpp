// `vic encode` and `vic decode`: a trained model's codes and what its networks
// make of them. encode writes each data item's code, the guide's location for
// it (its draw with eps = 0); decode runs a network on codes read from a CSV
// (reconstructions), drawn from N(0, I) (new samples) or laid out on a grid (a
// 2-D latent space), each followed by --append's values (a condition), writes
// the outputs and, for images, a PNG grid (runtime/png_grid.h).
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/math/distributions/normal.hpp>

#include "runtime/format.h"
#include "runtime/png_grid.h"
#include "runtime/weights_file.h"
#include "support/output_file.h"
#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"

namespace vic::tools {
namespace {

// The trained model: checked, compiled on the data, its weights read.
struct Trained {
  CheckedModel checked;
  LoadedGuideModel loaded;
  std::vector<double> weights;
};

std::optional<Trained> load_trained(const std::string& model, const std::string& data, const std::string& weights) {
  std::optional<CheckedModel> m = load_model(model);
  if (!m) return std::nullopt;
  if (!m->ast->block(ast::BlockKind::Guide)) {
    std::cerr << "error: " << model << " has no guide block: it has no codes to encode or decode\n";
    return std::nullopt;
  }
  Trained t;
  t.checked = std::move(*m);
  std::optional<LoadedGuideModel> loaded = load_guide_model(t.checked, data, 1);
  if (!loaded) return std::nullopt;
  t.loaded = std::move(*loaded);
  Expected<std::vector<double>> w = runtime::read_weights(weights, t.loaded.model());
  if (!w) {
    std::cerr << "error: " << w.error() << "\n";
    return std::nullopt;
  }
  t.weights = w.take();
  return t;
}

// Writes `header` and `rows` (values per row) as CSV to `path`, replaced only once complete.
bool write_csv(const std::string& path, const std::vector<std::string>& header, const std::vector<double>& values,
               size_t per_row) {
  Expected<std::unique_ptr<OutputFile>> out = OutputFile::open(path);
  if (!out) {
    std::cerr << "error: " << out.error() << "\n";
    return false;
  }
  std::ostream& s = (*out)->stream();
  for (size_t k = 0; k < header.size(); ++k) s << (k ? "," : "") << header[k];
  s << "\n";
  for (size_t at = 0; at < values.size(); at += per_row) {
    for (size_t k = 0; k < per_row; ++k) s << (k ? "," : "") << runtime::format_shortest(values[at + k]);
    s << "\n";
  }
  if (Status st = (*out)->commit(); !st) {
    std::cerr << "error: " << st.error() << "\n";
    return false;
  }
  return true;
}

// A CSV of codes as encode writes it: an optional `item` column, then `width`
// numbers per row. An error names the file, line and column.
struct Codes {
  std::vector<int64_t> items;  // 0-based; empty without an item column
  std::vector<double> values;
  size_t rows = 0;
};

Expected<Codes> read_codes(const std::string& path, size_t width) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read the codes file '" + path + "'"};
  Codes c;
  std::string line;
  size_t number = 0;
  bool header = true, with_item = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (header) {
      header = false;
      with_item = !cells.empty() && cells[0] == "item";
      if (cells.size() != width + (with_item ? 1 : 0))
        return Error{path + ":" + std::to_string(number) + ": " + std::to_string(cells.size()) +
                     " columns; the network takes codes of " + std::to_string(width) +
                     (with_item ? " (after the item column)" : "")};
      continue;
    }
    if (cells.size() != width + (with_item ? 1 : 0))
      return Error{path + ":" + std::to_string(number) + ": " + std::to_string(cells.size()) + " values, the header has " +
                   std::to_string(width + (with_item ? 1 : 0))};
    for (size_t k = 0; k < cells.size(); ++k) {
      char* end = nullptr;
      const double v = std::strtod(cells[k].c_str(), &end);
      if (cells[k].empty() || *end != '\0' || !std::isfinite(v))
        return Error{path + ":" + std::to_string(number) + ": column " + std::to_string(k + 1) + " ('" + cells[k] +
                     "') is not a finite number"};
      if (with_item && k == 0) {
        if (v != std::floor(v) || v < 1) return Error{path + ":" + std::to_string(number) + ": the item is not 1, 2, ..."};
        c.items.push_back(static_cast<int64_t>(v) - 1);
      } else {
        c.values.push_back(v);
      }
    }
    ++c.rows;
  }
  if (header) return Error{path + ": no header line"};
  return c;
}

size_t network_index(const runtime::GuideModel& model, const std::string& name, std::string& names) {
  for (size_t k = 0; k < model.networks().size(); ++k) {
    if (model.networks()[k].name == name) return k;
    names += (names.empty() ? "" : ", ") + model.networks()[k].name;
  }
  return model.networks().size();
}

// The side of a square picture of `size` values, or 0.
int64_t square_side(int64_t size) {
  const int64_t side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(size))));
  return side * side == size ? side : 0;
}

}  // namespace

int run_encode(const EncodeOptions& o) {
  for (const std::string& input : {o.model, o.data, o.weights}) {
    if (std::string clash = output_clash("--output", o.output, input, input); !clash.empty()) {
      std::cerr << "error: " << clash << "\n";
      return kExitUsage;
    }
  }
  std::optional<Trained> t = load_trained(o.model, o.data, o.weights);
  if (!t) return kExitError;
  const runtime::GuideModel& model = t->loaded.model();
  const size_t n = o.items > 0 ? std::min(model.num_items(), static_cast<size_t>(o.items)) : model.num_items();
  std::vector<int64_t> items(n);
  for (size_t i = 0; i < n; ++i) items[i] = static_cast<int64_t>(i);
  const size_t width = model.normals_per_item();
  std::vector<double> zeros(n * width, 0.0), codes(n * width);
  runtime::EvalError error = 0;
  model.latents(t->weights.data(), items, zeros.data(), codes.data(), &error);
  if (error) {
    std::cerr << "error: the guide cannot be evaluated: " << model.describe_error(error) << "\n";
    return kExitError;
  }
  // item, then each latent's columns (z.1, z.2, ... for one vector latent).
  std::vector<std::string> header{"item"};
  for (const ir::ResolvedVariable& v : t->loaded.compiled.layout.variables) {
    if (v.plate < 0) continue;
    std::vector<int64_t> per_item(v.dims.begin() + 1, v.dims.end());
    std::vector<std::string> names;
    ir::append_cmdstan_names(v.name, per_item, names);
    header.insert(header.end(), names.begin(), names.end());
  }
  std::vector<double> rows;
  for (size_t i = 0; i < n; ++i) {
    rows.push_back(static_cast<double>(i + 1));
    rows.insert(rows.end(), codes.begin() + static_cast<long>(i * width), codes.begin() + static_cast<long>((i + 1) * width));
  }
  if (!write_csv(o.output, header, rows, width + 1)) return kExitError;
  std::cout << "codes of " << n << " items written to " << o.output << "\n";
  return kExitOk;
}

int run_decode(const DecodeOptions& o) {
  if (!o.codes.empty() + (o.prior > 0) + (o.grid > 0) != 1) {
    std::cerr << "error: decode takes its codes from --codes FILE, draws --prior N of them or lays out a --grid N; "
                 "one of the three\n";
    return kExitUsage;
  }
  std::vector<double> appended;
  if (!o.append.empty()) {
    std::stringstream ss(o.append);
    for (std::string cell; std::getline(ss, cell, ',');) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (cell.empty() || *end != '\0' || !std::isfinite(v)) {
        std::cerr << "error: --append: '" << cell << "' is not a finite number\n";
        return kExitUsage;
      }
      appended.push_back(v);
    }
  }
  if (!o.originals.empty() && (o.png.empty() || o.codes.empty())) {
    std::cerr << "error: --originals sets the encoded items beside their reconstructions in the --png picture; it "
                 "needs --png and --codes\n";
    return kExitUsage;
  }
  for (const std::string& out : {o.output, o.png}) {
    for (const std::string& input : {o.model, o.data, o.weights, o.codes}) {
      if (out.empty() || input.empty()) continue;
      if (std::string clash = output_clash("an output", out, input, input); !clash.empty()) {
        std::cerr << "error: " << clash << "\n";
        return kExitUsage;
      }
    }
  }
  std::optional<Trained> t = load_trained(o.model, o.data, o.weights);
  if (!t) return kExitError;
  const runtime::GuideModel& model = t->loaded.model();
  std::string names;
  const size_t index = network_index(model, o.network, names);
  if (index == model.networks().size()) {
    std::cerr << "error: no network '" << o.network << "' in " << o.model << "; it has " << names << "\n";
    return kExitUsage;
  }
  const std::vector<int64_t>& sizes = model.networks()[index].sizes;
  const size_t in = static_cast<size_t>(sizes.front()), out = static_cast<size_t>(sizes.back());
  if (appended.size() >= in) {
    std::cerr << "error: --append gives " << appended.size() << " values; the network '" << o.network << "' takes "
              << in << " in all, codes included\n";
    return kExitUsage;
  }
  const size_t width = in - appended.size();  // a code's own values
  Codes codes;
  if (!o.codes.empty()) {
    Expected<Codes> read = read_codes(o.codes, width);
    if (!read) {
      std::cerr << "error: " << read.error() << "\n";
      return kExitError;
    }
    codes = read.take();
  } else if (o.prior > 0) {
    Rng rng(o.seed);
    codes.rows = static_cast<size_t>(o.prior);
    codes.values.resize(codes.rows * width);
    standard_normals(rng, codes.values.data(), codes.values.size());
  } else {
    if (width != 2) {
      std::cerr << "error: --grid lays out 2-D codes; the network '" << o.network << "' takes codes of " << width
                << "\n";
      return kExitUsage;
    }
    // Row r, column c: (quantile c, quantile of the rows from the top down), as Kingma & Welling draw it.
    const boost::math::normal standard;
    const size_t n = static_cast<size_t>(o.grid);
    for (size_t r = 0; r < n; ++r)
      for (size_t c = 0; c < n; ++c) {
        codes.values.push_back(boost::math::quantile(standard, (static_cast<double>(c) + 0.5) / static_cast<double>(n)));
        codes.values.push_back(boost::math::quantile(standard, (static_cast<double>(n - r) - 0.5) / static_cast<double>(n)));
      }
    codes.rows = n * n;
  }
  std::vector<double> inputs;
  inputs.reserve(codes.rows * in);
  for (size_t r = 0; r < codes.rows; ++r) {
    inputs.insert(inputs.end(), codes.values.begin() + static_cast<long>(r * width),
                  codes.values.begin() + static_cast<long>((r + 1) * width));
    inputs.insert(inputs.end(), appended.begin(), appended.end());
  }
  std::vector<double> decoded(codes.rows * out);
  runtime::EvalError error = 0;
  model.network(index, t->weights.data(), inputs.data(), codes.rows, decoded.data(), &error);
  if (error) {
    std::cerr << "error: the network cannot be evaluated: " << model.describe_error(error) << "\n";
    return kExitError;
  }
  for (double& v : decoded) {
    if (o.link == "inv_logit") v = 1 / (1 + std::exp(-v));
    if (o.link == "exp") v = std::exp(v);
  }
  std::vector<std::string> header;
  ir::append_cmdstan_names(o.network, {static_cast<int64_t>(out)}, header);
  if (!o.output.empty() && !write_csv(o.output, header, decoded, out)) return kExitError;
  if (!o.png.empty()) {
    const int64_t side = o.image_side > 0 ? o.image_side : square_side(static_cast<int64_t>(out));
    if (side <= 0 || static_cast<size_t>(side * side) != out) {
      std::cerr << "error: the network's " << out << " outputs are not a square picture; give --image-side\n";
      return kExitUsage;
    }
    std::vector<double> tiles;
    if (!o.originals.empty()) {
      // Rows of `columns` items, each followed by their reconstructions.
      const runtime::DataValue* field = t->loaded.data.find(o.originals);
      if (!field || field->is_int || field->reals.size() != model.num_items() * out || codes.items.size() != codes.rows) {
        std::cerr << "error: --originals names a real data field with " << out << " values per item (and the codes "
                  << "need their item column)\n";
        return kExitUsage;
      }
      const size_t columns = static_cast<size_t>(o.columns);
      for (size_t first = 0; first < codes.rows; first += columns) {
        const size_t last = std::min(codes.rows, first + columns);
        for (size_t r = first; r < last; ++r) {
          const size_t item = static_cast<size_t>(codes.items[r]);
          if (item >= model.num_items()) {
            std::cerr << "error: " << o.codes << ": item " << item + 1 << " is not in the data (" << model.num_items()
                      << " items)\n";
            return kExitError;
          }
          tiles.insert(tiles.end(), field->reals.begin() + static_cast<long>(item * out),
                       field->reals.begin() + static_cast<long>((item + 1) * out));
        }
        for (size_t r = last - first; r < columns; ++r) tiles.insert(tiles.end(), out, 0.5);
        tiles.insert(tiles.end(), decoded.begin() + static_cast<long>(first * out),
                     decoded.begin() + static_cast<long>(last * out));
        for (size_t r = last - first; r < columns; ++r) tiles.insert(tiles.end(), out, 0.5);
      }
    } else {
      tiles = decoded;
    }
    const int64_t columns = o.grid > 0 ? o.grid : o.columns;
    if (Status s = runtime::write_png_grid(o.png, tiles, side, side, columns); !s) {
      std::cerr << "error: " << s.error() << "\n";
      return kExitError;
    }
  }
  std::cout << "decoded " << codes.rows << " codes with '" << o.network << "'";
  if (!o.output.empty()) std::cout << " into " << o.output;
  if (!o.png.empty()) std::cout << (o.output.empty() ? " into " : " and ") << o.png;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace vic::tools
