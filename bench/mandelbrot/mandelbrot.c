/* Benchmarks Game mandelbrot, plain scalar C (one thread, no SIMD): the peer
 * of bench/mandelbrot/mandelbrot.vmasm. Writes an N x N binary PBM (P4) to
 * stdout, one row at a time. Usage: mandelbrot N */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    int row_bytes = (n + 7) / 8;
    unsigned char *row = malloc(row_bytes > 0 ? row_bytes : 1);
    if (n < 1 || !row)
        return 1;
    printf("P4\n%d %d\n", n, n);
    for (int y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        int bits = 0, byte = 0, at = 0;
        for (int x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            for (int i = 0; i < 50 && tr + ti <= 4.0; i++) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
            }
            byte <<= 1;
            if (tr + ti <= 4.0)
                byte |= 1;
            if (++bits == 8) {
                row[at++] = (unsigned char)byte;
                bits = byte = 0;
            }
        }
        if (bits > 0)
            row[at++] = (unsigned char)(byte << (8 - bits));
        fwrite(row, 1, row_bytes, stdout);
    }
    free(row);
    return 0;
}
