// Networks, latents and the guide: what `vic train` fits. A network is a
// function of one vector whose weights are learned; a latent is a parameter
// array with one element per data item of its plate (its first size, a data
// int), which the guide draws and the model scores one data item at a time,
// inside `for (n in 1:N)` loops the runtime runs over minibatches.
#include <algorithm>

#include "frontend/check_internal.h"

namespace vic::frontend::internal {

using ast::Dependence;
using ast::Type;

void Checker::check_network(ast::NetworkDecl& n) {
  if (lookup(n.name) || networks_.count(n.name) || find_user_function(n.name)) {
    diags_.error(DiagnosticKind::Redeclaration, n.loc, {n.name});
    return;
  }
  for (ast::ExprPtr& size : n.sizes) {
    check_expr(*size);
    if (size->type.error) continue;
    if (!size->type.is_int_scalar()) {
      diags_.error(DiagnosticKind::NonIntSize, size->loc, {size->type.str()});
    } else if (size->dependence == Dependence::Parameter) {
      diags_.error(DiagnosticKind::SizeDependsOnParameter, size->loc);
    }
  }
  networks_[n.name] = &n;
}

bool Checker::check_network_call(ast::Call& e) {
  auto it = networks_.find(e.name);
  if (it == networks_.end()) return false;
  if (block_ != ast::BlockKind::Model && block_ != ast::BlockKind::Guide) {
    diags_.error(DiagnosticKind::BadNetwork, e.loc,
                 {"the network '" + e.name + "' is called in the " + std::string(ast::block_kind_name(block_)) +
                  " block; networks are called in the model and the guide"});
    return true;
  }
  if (e.args.size() != 1 || e.args[0]->type.error ||
      !(e.args[0]->type.shape == ast::Shape::Vector && e.args[0]->type.array_rank == 0)) {
    if (e.args.size() == 1 && e.args[0]->type.error) return true;
    std::string given;
    for (const ast::ExprPtr& arg : e.args) given += (given.empty() ? "" : ", ") + arg->type.str();
    diags_.error(DiagnosticKind::BadNetwork, e.loc,
                 {"the network '" + e.name + "' takes one vector, not (" + given + ")"});
    return true;
  }
  e.network = it->second;
  e.type = Type::vector();
  e.dependence = Dependence::Parameter;
  return true;
}

namespace {

// The walk over the model and the guide that checks how latents are used.
class LatentRules {
 public:
  LatentRules(Diagnostics& diags, const ast::VarDecl* plate) : diags_(diags), plate_(plate) {}

  void stmts(const std::vector<ast::StmtPtr>& list) {
    for (const ast::StmtPtr& s : list) stmt(*s);
  }

  void stmt(const ast::Stmt& s) {
    switch (s.kind) {
      case ast::StmtKind::Decl: {
        const ast::VarDecl& d = *s.as<ast::DeclStmt>().decl;
        for (const auto& size : d.type.array_dims) expr(size.get());
        for (const auto& size : d.type.shape_dims) expr(size.get());
        for (const ast::Expr* e : {d.type.lower.get(), d.type.upper.get(), d.type.offset.get(),
                                   d.type.multiplier.get(), d.init.get()})
          expr(e);
        return;
      }
      case ast::StmtKind::Assign:
        expr(s.as<ast::AssignStmt>().lhs.get());
        expr(s.as<ast::AssignStmt>().rhs.get());
        return;
      case ast::StmtKind::Tilde: {
        const auto& t = s.as<ast::TildeStmt>();
        if (guide_) guide_draw(t);
        expr(t.lhs.get());
        for (const auto& arg : t.args) expr(arg.get());
        expr(t.truncate_lower.get());
        expr(t.truncate_upper.get());
        return;
      }
      case ast::StmtKind::TargetPlus:
        expr(s.as<ast::TargetPlusStmt>().value.get());
        return;
      case ast::StmtKind::For: {
        const auto& f = s.as<ast::ForStmt>();
        expr(f.lower.get());
        expr(f.upper.get());
        const bool plate = is_plate_loop(f);
        if (plate && !plate_loops_.empty()) {
          diags_.error(DiagnosticKind::BadLatent, f.loc,
                       {"a loop over the plate '" + plate_->name + "' inside another: each data item is visited once"});
        }
        if (plate) plate_loops_.push_back(f.index.get());
        stmt(*f.body);
        if (plate) plate_loops_.pop_back();
        return;
      }
      case ast::StmtKind::While:
        expr(s.as<ast::WhileStmt>().cond.get());
        stmt(*s.as<ast::WhileStmt>().body);
        return;
      case ast::StmtKind::If:
        expr(s.as<ast::IfStmt>().cond.get());
        stmt(*s.as<ast::IfStmt>().then_stmt);
        if (s.as<ast::IfStmt>().else_stmt) stmt(*s.as<ast::IfStmt>().else_stmt);
        return;
      case ast::StmtKind::Block:
        stmts(s.as<ast::BlockStmt>().stmts);
        return;
      case ast::StmtKind::Return:
        expr(s.as<ast::ReturnStmt>().value.get());
        return;
      case ast::StmtKind::Call:
        expr(s.as<ast::CallStmt>().call.get());
        return;
      case ast::StmtKind::Reject:
      case ast::StmtKind::Print:
        for (const ast::PrintPiece& p : s.kind == ast::StmtKind::Print ? s.as<ast::PrintStmt>().pieces
                                                                       : s.as<ast::RejectStmt>().pieces)
          expr(p.value.get());
        return;
      case ast::StmtKind::Break:
      case ast::StmtKind::Continue:
        return;
    }
  }

  void set_guide(bool guide) { guide_ = guide; }
  const std::vector<const ast::VarDecl*>& drawn() const { return drawn_; }

 private:
  // `for (n in 1:N)` with N the plate's size.
  bool is_plate_loop(const ast::ForStmt& f) const {
    const bool from_one = f.lower->kind == ast::ExprKind::IntLiteral && f.lower->as<ast::IntLiteral>().value == 1;
    return from_one && f.upper->kind == ast::ExprKind::Variable && f.upper->as<ast::Variable>().decl == plate_;
  }

  // The latent `e` indexes by the plate loop's index first, or null.
  const ast::VarDecl* latent_item(const ast::Expr& e) const {
    if (e.kind != ast::ExprKind::Index) return nullptr;
    const auto& index = e.as<ast::Index>();
    if (index.base->kind != ast::ExprKind::Variable) return nullptr;
    const ast::VarDecl* d = index.base->as<ast::Variable>().decl;
    if (!d || !d->is_latent || index.indices.empty()) return nullptr;
    const ast::Expr& first = *index.indices[0];
    if (first.kind != ast::ExprKind::Variable || plate_loops_.empty() ||
        first.as<ast::Variable>().decl != plate_loops_.back())
      return nullptr;
    return d;
  }

  void guide_draw(const ast::TildeStmt& t) {
    const ast::VarDecl* latent = latent_item(*t.lhs);
    const bool whole_item = latent && t.lhs->as<ast::Index>().indices.size() == 1;
    if (!whole_item) {
      diags_.error(DiagnosticKind::BadLatent, t.lhs->loc,
                   {"the guide's '~' draws one data item's latent, 'z[n]' inside 'for (n in 1:" + plate_->name +
                    ")' with z declared 'latent'"});
      return;
    }
    if (t.distribution != "normal" || t.truncated) {
      diags_.error(DiagnosticKind::BadLatent, t.loc,
                   {"the guide draws '" + latent->name + "' from '" + t.distribution +
                    "'; vic's guides draw from normal (reparameterised: mu + sigma * eps)"});
      return;
    }
    if (std::find(drawn_.begin(), drawn_.end(), latent) != drawn_.end()) {
      diags_.error(DiagnosticKind::BadLatent, t.loc, {"the guide draws '" + latent->name + "' twice"});
      return;
    }
    drawn_.push_back(latent);
  }

  void expr(const ast::Expr* e) {
    if (!e) return;
    switch (e->kind) {
      case ast::ExprKind::IntLiteral:
      case ast::ExprKind::RealLiteral:
        return;
      case ast::ExprKind::Variable: {
        const ast::VarDecl* d = e->as<ast::Variable>().decl;
        if (d && d->is_latent) {
          diags_.error(DiagnosticKind::BadLatent, e->loc,
                       {"the latent '" + d->name + "' is read one data item at a time: '" + d->name +
                        "[n]' inside 'for (n in 1:" + plate_->name + ")'"});
        }
        return;
      }
      case ast::ExprKind::Unary:
        expr(e->as<ast::Unary>().operand.get());
        return;
      case ast::ExprKind::Binary:
        // Along the left spine, so that a long chain does not recurse deeply.
        for (const ast::Binary* b : ast::left_spine(e->as<ast::Binary>())) expr(b->rhs.get());
        expr(ast::left_spine(e->as<ast::Binary>()).back()->lhs.get());
        return;
      case ast::ExprKind::Index: {
        const auto& index = e->as<ast::Index>();
        if (!latent_item(*e)) expr(index.base.get());
        for (const auto& i : index.indices) expr(i.get());
        return;
      }
      case ast::ExprKind::Call:
        for (const auto& arg : e->as<ast::Call>().args) expr(arg.get());
        return;
      case ast::ExprKind::Conditional:
        expr(e->as<ast::Conditional>().cond.get());
        expr(e->as<ast::Conditional>().then_expr.get());
        expr(e->as<ast::Conditional>().else_expr.get());
        return;
      case ast::ExprKind::Range:
        expr(e->as<ast::Range>().lo.get());
        expr(e->as<ast::Range>().hi.get());
        return;
      case ast::ExprKind::ContainerLiteral:
        for (const auto& x : e->as<ast::ContainerLiteral>().elements) expr(x.get());
        return;
    }
  }

  Diagnostics& diags_;
  const ast::VarDecl* plate_;
  bool guide_ = false;
  std::vector<const ast::VarDecl*> plate_loops_;
  std::vector<const ast::VarDecl*> drawn_;
};

}  // namespace

void Checker::check_latents(const ast::Program& program) {
  const ast::ProgramBlock* parameters = program.block(ast::BlockKind::Parameters);
  const ast::ProgramBlock* guide = program.block(ast::BlockKind::Guide);
  std::vector<const ast::VarDecl*> latents;
  const ast::VarDecl* plate = nullptr;
  static const std::vector<ast::StmtPtr> kNone;
  for (const ast::StmtPtr& s : parameters ? parameters->stmts : kNone) {
    const ast::VarDecl& d = *s->as<ast::DeclStmt>().decl;
    if (!d.is_latent) {
      if (guide) {
        diags_.error(DiagnosticKind::BadLatent, d.loc,
                     {"'" + d.name + "' is not latent: with a guide, vic train learns the networks and draws the "
                      "latents; global parameters beside a guide are not supported yet"});
      }
      continue;
    }
    const ast::Expr* size = d.type.array_dims.empty() ? nullptr : d.type.array_dims[0].get();
    const ast::VarDecl* n = size && size->kind == ast::ExprKind::Variable ? size->as<ast::Variable>().decl : nullptr;
    if (!n || n->block != ast::BlockKind::Data || !n->type.type().is_int_scalar()) {
      diags_.error(DiagnosticKind::BadLatent, d.loc,
                   {"a latent is an array with one element per data item: 'latent array[N] ...' with N an int "
                    "declared in the data block"});
      return;
    }
    if (plate && n != plate) {
      diags_.error(DiagnosticKind::BadLatent, d.loc,
                   {"the latents have one plate: '" + d.name + "' is sized by '" + n->name + "', the others by '" +
                    plate->name + "'"});
      return;
    }
    plate = n;
    latents.push_back(&d);
  }
  if (!guide) {
    for (const ast::NetworkDeclPtr& n : program.networks) {
      diags_.error(DiagnosticKind::BadNetwork, n->loc,
                   {"the network '" + n->name + "' is learned by vic train with a guide, and this program has no "
                    "guide block"});
    }
    return;
  }
  if (latents.empty()) {
    diags_.error(DiagnosticKind::BadLatent, guide->loc, {"the guide draws latents, and no parameter is declared 'latent'"});
    return;
  }
  LatentRules rules(diags_, plate);
  if (const ast::ProgramBlock* model = program.block(ast::BlockKind::Model)) rules.stmts(model->stmts);
  for (ast::BlockKind k : {ast::BlockKind::TransformedParameters, ast::BlockKind::GeneratedQuantities}) {
    if (program.block(k)) {
      diags_.error(DiagnosticKind::BadLatent, program.block(k)->loc,
                   {std::string("a program with a guide has no ") + ast::block_kind_name(k) + " block yet"});
    }
  }
  rules.set_guide(true);
  rules.stmts(guide->stmts);
  for (const ast::VarDecl* latent : latents) {
    if (std::find(rules.drawn().begin(), rules.drawn().end(), latent) == rules.drawn().end())
      diags_.error(DiagnosticKind::BadLatent, guide->loc, {"the guide does not draw the latent '" + latent->name + "'"});
  }
}

}  // namespace vic::frontend::internal
