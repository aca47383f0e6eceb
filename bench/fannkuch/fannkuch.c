/* Benchmarks Game fannkuch-redux, plain C (one thread): the peer of
 * bench/fannkuch/fannkuch.vmasm and fannkuch_dyn.vmasm, which follow the
 * same steps. Prints the checksum, then "Pfannkuchen(N) = maxflips".
 * Usage: fannkuch N (3 <= N <= 12) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 7;
    if (n < 3 || n > 12)
        return 1;
    int perm[12], perm1[12], count[12];
    int max_flips = 0, checksum = 0, sign = 1, r = n;
    for (int i = 0; i < n; i++)
        perm1[i] = i;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }
        for (int i = 0; i < n; i++)
            perm[i] = perm1[i];
        int flips = 0, k;
        while ((k = perm[0]) != 0) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > max_flips)
            max_flips = flips;
        checksum += sign * flips;
        sign = -sign;
        /* the next permutation: rotate the first r + 1 items left */
        for (;;) {
            if (r == n) {
                printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
                return 0;
            }
            int perm0 = perm1[0];
            for (int i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            count[r]--;
            if (count[r] > 0)
                break;
            r++;
        }
    }
}
