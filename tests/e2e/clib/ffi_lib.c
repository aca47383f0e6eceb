/* C functions the FFI tests call (tests/e2e/ffi_*.vmasm): every C type in
 * and out, stack arguments, callbacks, threads, blocking. Built by
 * tests/run_e2e.sh (;! clib) with the target's C compiler. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Results of every width: a caller that widens them wrongly sees the
 * difference. */
int8_t ret_i8(void)
{
    return -56;
}
uint8_t ret_u8(void)
{
    return 200;
}
int16_t ret_i16(void)
{
    return -30000;
}
uint16_t ret_u16(void)
{
    return 60000;
}
int32_t ret_i32(void)
{
    return -2000000000;
}
uint32_t ret_u32(void)
{
    return 4000000000u;
}
float ret_f32(void)
{
    return 0.5f;
}

/* Arguments of every width, widened by the callee as C says. */
int64_t sum_small(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f)
{
    return (int64_t)a + b + c + d + e + f;
}

double mix(int64_t a, double b, float c, int32_t d, uint64_t e, double f, int8_t g, float h,
           int64_t i, double j)
{
    return (double)a + b + c + d + (double)e + f + g + h + (double)i + j;
}

uint64_t id_val(uint64_t v)
{
    return v;
}

size_t count_byte(const char *p, size_t n, int c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (unsigned char)p[i] == c;
    return k;
}

int apply_int(int (*f)(int), int x)
{
    return f(x);
}
int neg_int(int x)
{
    return -x;
}

/* Callbacks: six arguments (two past the registers of vmcc's calling
 * convention), small types, floats. */
int64_t call6(int64_t (*f)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t))
{
    return f(1, 2, 3, 4, 5, 6);
}

double call_float(double (*f)(float, int8_t, uint16_t), float x)
{
    return f(x, -3, 65000);
}

/* Calls f n times, summing what it returns (stops early if told 0). */
int64_t repeat(int64_t (*f)(int64_t), int64_t n)
{
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++)
        s += f(i);
    return s;
}

/* Calls cb (which may collect) before reading s. */
size_t strlen_after(const char *s, void (*cb)(void))
{
    cb();
    return strlen(s);
}

/* Calls f from a thread of its own: not a vmcc process. */
static void *thread_body(void *f)
{
    ((void (*)(void))f)();
    return NULL;
}

int call_from_thread(void (*f)(void))
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_body, (void *)f) != 0)
        return -1;
    pthread_join(t, NULL);
    return 0;
}

/* Blocks the calling thread for ms milliseconds, then adds. */
int64_t slow_add(int64_t a, int64_t b, int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    return a + b;
}
