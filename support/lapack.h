// LAPACK's routines that vic calls (OpenBLAS bundles LAPACK; Debian's
// libopenblas-dev has no lapack.h), declared once: column-major, Fortran
// calling convention, the trailing size_t the hidden length of `uplo`.
#pragma once

#include <cstddef>

extern "C" {
// Cholesky factorisation.
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_length);
// The inverse from a Cholesky factor.
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_length);
// LU factorisation with partial pivoting.
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
// The inverse from an LU factorisation (lwork -1: a workspace query).
void dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork, int* info);
// The eigenvalues (ascending) and, for jobz "V", the orthonormal eigenvectors
// of a symmetric matrix, overwriting `a` with them as columns (lwork -1: a
// workspace query).
void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
            const int* lwork, int* info, size_t jobz_length, size_t uplo_length);
// QR factorisation, and the explicit Q from it.
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau, double* work,
             const int* lwork, int* info);
}
