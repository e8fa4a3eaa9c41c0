// The grammar of vic's modelling language, a subset of Stan's. The C++ parser is
// generated from this file at build time (grammar/CMakeLists.txt); only
// frontend/parse.cpp sees the generated classes and turns the parse tree into
// vic's AST (frontend/ast.h).
//
// Notes for editors:
// - Literal words used in parser rules become keywords. The ones Stan lets users
//   use as names (lower, upper, in, the block words, ...) are routed through the
//   `identifier` rule.
// - Expressions are written as precedence layers, lowest first, with loops rather
//   than recursion for the operator chains (binary operators, prefix operators,
//   `^`, the else-chain of `?:`), so that long chains do not deepen the parser's
//   recursion. The builder folds each chain with the right associativity.
//   Bracket nesting is bounded on the token stream before parsing.
// - Constraint bounds (`<lower=..., upper=...>`) take an additive expression, as
//   in Stan: `upper=1 > 0` is not a bound; parenthesise comparisons.
grammar VModel;

program : functionsBlock? (programBlock | networkDecl)* EOF ;

// `network encoder = mlp(D -> H -> 2 * K, activation = relu);`: a multilayer
// perceptron whose weights vic learns (vic train), callable as a function from
// the model and the guide. The sizes are data ints; the options name functions.
networkDecl : 'network' identifier '=' kind=identifier '(' expression ('->' expression)+ (',' networkOption)* ')' ';' ;

networkOption : identifier '=' identifier ;

// User-defined functions, before the other blocks as in Stan.
functionsBlock : 'functions' '{' functionDef* '}' ;

// A definition, or a forward declaration ending in ';'.
functionDef : returnType identifier '(' (parameter (',' parameter)*)? ')' (statement | ';') ;

returnType : 'void' | unsizedType ;

// A function argument's or result's type: no sizes, `array[,]` giving the rank.
unsizedType : 'array' '[' commas+=','* ']' unsizedElement | unsizedElement ;

unsizedElement : 'int' | 'real' | 'vector' | 'row_vector' | 'matrix' ;

parameter : 'data'? unsizedType identifier ;

programBlock : blockHeader '{' statement* '}' ;

blockHeader
  : 'data'
  | 'transformed' 'data'
  | 'parameters'
  | 'transformed' 'parameters'
  | 'model'
  | 'guide'
  | 'generated' 'quantities'
  ;

// ---------------------------------------------------------------------------
// Statements

statement
  : varDecl                                                            # declStatement
  | lvalue op=('=' | '+=' | '-=' | '*=' | '/=') expression ';'           # assignStatement
  | expression '~' identifier '(' expressionList? ')' truncation? ';'  # tildeStatement
  | 'target' '+=' expression ';'                                       # targetStatement
  | 'for' '(' identifier 'in' expression ':' expression ')' statement  # forStatement
  | 'if' '(' expression ')' statement ('else' statement)?              # ifStatement
  | 'while' '(' expression ')' statement                               # whileStatement
  | kind=('break' | 'continue') ';'                                    # jumpStatement
  | 'profile' '(' STRING_LITERAL ')' '{' statement* '}'                # profileStatement
  | '{' statement* '}'                                                 # blockStatement
  | 'return' expression? ';'                                           # returnStatement
  | kind=('reject' | 'fatal_error' | 'print') '(' printable (',' printable)* ')' ';'  # rejectStatement
  | identifier '(' expressionList? ')' ';'                             # callStatement
  | ';'                                                                # emptyStatement
  ;

lvalue : identifier ('[' indexList ']')* ;

// What reject, fatal_error and print print: strings and values.
printable : STRING_LITERAL | expression ;

// `T[L, U]`, `T[L, ]`, `T[, U]` after a distribution.
truncation : 'T' '[' lo=expression? ',' hi=expression? ']' ;

// `array[N] real<lower=0> x = ...;` or the old `real x[N];`; `latent` marks a
// parameter array with one element per data item (vic train's local latents).
varDecl : latent='latent'? declType identifier ('[' expressionList ']')? ('=' expression)? ';' ;

declType
  : 'array' '[' expressionList ']' elementType
  | elementType
  ;

elementType
  : 'int' range?
  | 'real' range?
  | 'vector' range? '[' expression ']'
  | 'row_vector' range? '[' expression ']'
  | 'matrix' range? '[' expression ',' expression ']'
  | ('simplex' | 'ordered' | 'positive_ordered' | 'unit_vector' | 'sum_to_zero_vector') '[' expression ']'
  | ('cholesky_factor_corr' | 'corr_matrix' | 'cov_matrix') '[' expression ']'
  | 'cholesky_factor_cov' '[' expression (',' expression)? ']'
  ;

range : '<' rangeBound (',' rangeBound)* '>' ;

rangeBound : kind=('lower' | 'upper' | 'offset' | 'multiplier') '=' additiveExpr ;

// ---------------------------------------------------------------------------
// Expressions, lowest precedence first.

expressionList : expression (',' expression)* ;

// An index: one expression, or the slice `lo:hi` (either end may be left out).
indexList : indexItem (',' indexItem)* ;
indexItem
  : lo=expression? ':' hi=expression?   # rangeIndex
  | expression                          # singleIndex
  ;

// `c1 ? a : c2 ? b : e`: right-associative, written as a loop over the else chain.
expression : orExpr ('?' expression ':' orExpr)* ;

orExpr : andExpr ('||' andExpr)* ;

andExpr : equalityExpr ('&&' equalityExpr)* ;

equalityExpr : comparisonExpr (ops+=('==' | '!=') comparisonExpr)* ;

comparisonExpr : additiveExpr (ops+=('<' | '<=' | '>' | '>=') additiveExpr)* ;

additiveExpr : multiplicativeExpr (ops+=('+' | '-') multiplicativeExpr)* ;

multiplicativeExpr : elementwiseExpr (ops+=('*' | '/' | '%/%' | '%') elementwiseExpr)* ;

elementwiseExpr : prefixExpr (ops+=('.*' | './') prefixExpr)* ;

// Prefix operators bind looser than `^`: `-a^2` is -(a^2).
prefixExpr : ops+=('-' | '+' | '!')* powerExpr ;

// `a ^ -b ^ c` is a^(-(b^c)): right-associative; each exponent may carry
// prefix operators.
powerExpr : postfixExpr (powerTail)* ;

powerTail : '^' ops+=('-' | '+' | '!')* postfixExpr ;

postfixExpr : primary postfixOp* ;

// `x[i, j]` and the transpose `x'`, applied left to right.
postfixOp
  : '[' indexList ']'         # indexSuffix
  | '\''                      # transposeSuffix
  ;

primary
  : INT_LITERAL                                            # intLiteral
  | REAL_LITERAL                                           # realLiteral
  | identifier '(' expression '|' expressionList? ')'      # conditionalCall
  | identifier '(' expressionList? ')'                     # call
  | identifier                                             # variable
  | '(' expression ')'                                     # parenthesized
  | '[' expressionList ']'                                 # rowVectorLiteral
  | '{' expressionList '}'                                 # arrayLiteral
  ;

// Words that are keywords somewhere in the grammar but may still name variables.
identifier
  : ID
  | 'lower' | 'upper' | 'offset' | 'multiplier' | 'in' | 'T'
  | 'data' | 'transformed' | 'parameters' | 'model' | 'generated' | 'quantities'
  | 'network' | 'guide' | 'latent'
  ;

// ---------------------------------------------------------------------------
// Tokens

ID : [a-zA-Z] [a-zA-Z0-9_]* ;

REAL_LITERAL
  : [0-9]+ '.' [0-9]* EXPONENT?
  | '.' [0-9]+ EXPONENT?
  | [0-9]+ EXPONENT
  ;

INT_LITERAL : [0-9]+ ;

STRING_LITERAL : '"' ~["\r\n]* '"' ;

fragment EXPONENT : [eE] [+-]? [0-9]+ ;

LINE_COMMENT : ('//' | '#') ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS : [ \t\r\n]+ -> skip ;

// Anything else is one bad character; the parser reports it.
BAD_CHARACTER : . ;
