/* echo_client: the load client of the echo benchmark (bench/run.sh echo),
 * shared by every server. One thread and epoll, so that the client costs
 * as little as it can per round trip.
 *
 *   echo_client PORT [CONNECTIONS [ROUNDS]]   the load (defaults 1000, 1000)
 *   echo_client --wait PORT [MS]              connect until the server
 *                                             accepts (default 10,000 ms):
 *                                             exit 0, or 1 when it never did
 *   echo_client --free-port                   print a free TCP port of
 *                                             127.0.0.1 (bound, then closed)
 *
 * The load: opens CONNECTIONS connections to 127.0.0.1:PORT at once
 * (non-blocking connects, TCP_NODELAY), then every connection does ROUNDS
 * round trips, all connections at the same time: write 64 bytes, read
 * until 64 bytes have come back, compare them with what was sent (a
 * pattern of the connection and the round), start the next. The latency of
 * every round trip (from before the write to the read that completes it)
 * is recorded. Prints, one "key value" per line:
 *
 *   connections C, rounds R, round_trips C*R, connect_s (opening all),
 *   wall_s (first write to last reply), throughput (round trips per
 *   second of wall_s), p50_us, p99_us, max_us (latency percentiles,
 *   nearest rank)
 *
 * Exit status 1 on any error: a refused or failed connection, a reset, a
 * mismatch, the server closing early, or no progress for 30 s. RLIMIT_NOFILE
 * is raised to its hard limit when CONNECTIONS needs it.
 *
 * cc -std=c17 -O2 -Wall -Wextra -o echo_client client.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG      64
#define STALL_MS 30000

struct conn {
    int fd;
    int connected;
    uint32_t round; /* the round in flight (or done == rounds) */
    uint32_t sent;  /* bytes of this round written */
    uint32_t got;   /* bytes of this round read back */
    int64_t t0;     /* start of the round, ns */
    unsigned char out[MSG];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("echo_client: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static long parse(const char *s, const char *what, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == 0 || *end != 0 || v < min)
        fail("%s must be an integer >= %ld (got '%s')", what, min, s);
    return v;
}

static struct sockaddr_in addr_of(long port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int free_port(void)
{
    struct sockaddr_in a = addr_of(0);
    socklen_t n = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &n) != 0)
        fail("free port: %s", strerror(errno));
    printf("%d\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}

static int wait_for(long port, long ms)
{
    struct sockaddr_in a = addr_of(port);
    int64_t end = now_ns() + ms * 1000000;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            fail("socket: %s", strerror(errno));
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
        if (now_ns() > end) {
            fprintf(stderr, "echo_client: nothing accepts on 127.0.0.1:%ld after %ld ms\n", port,
                    ms);
            return 1;
        }
        usleep(10000);
    }
}

static void fill(struct conn *c, uint32_t id)
{
    uint32_t x = id * 2654435761u ^ c->round * 40503u;
    for (int i = 0; i < MSG; i++) {
        x = x * 1103515245u + 12345u;
        c->out[i] = (unsigned char)(x >> 16);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* nearest rank: the smallest value with at least p% of the values at or below it */
static double pct_us(const uint32_t *v, size_t n, double p)
{
    size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1] / 1000.0;
}

/* writes what is left of the round's message; returns early when the socket is full */
static void send_some(struct conn *c, uint32_t id)
{
    while (c->sent < MSG) {
        ssize_t w = send(c->fd, c->out + c->sent, MSG - c->sent, MSG_NOSIGNAL);
        if (w > 0) {
            c->sent += (uint32_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        fail("connection %u, round %u: write: %s", id, c->round, strerror(errno));
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--free-port") == 0)
        return free_port();
    if (argc >= 3 && strcmp(argv[1], "--wait") == 0)
        return wait_for(parse(argv[2], "PORT", 1), argc > 3 ? parse(argv[3], "MS", 0) : 10000);
    if (argc < 2 || argc > 4) {
        fprintf(
            stderr,
            "usage: echo_client PORT [CONNECTIONS [ROUNDS]] | --wait PORT [MS] | --free-port\n");
        return 2;
    }
    long port = parse(argv[1], "PORT", 1);
    long nconn = argc > 2 ? parse(argv[2], "CONNECTIONS", 1) : 1000;
    long rounds = argc > 3 ? parse(argv[3], "ROUNDS", 1) : 1000;
    if (port > 65535)
        fail("PORT must be at most 65535");
    if ((double)nconn * (double)rounds > 4e9)
        fail("CONNECTIONS * ROUNDS must be below 4e9");

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconn + 64) {
        rl.rlim_cur = (rlim_t)nconn + 64 > rl.rlim_max ? rl.rlim_max : (rlim_t)nconn + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)nconn + 16)
            fail("%ld connections need more descriptors than RLIMIT_NOFILE allows (%llu)", nconn,
                 (unsigned long long)rl.rlim_max);
    }

    size_t total = (size_t)nconn * (size_t)rounds;
    struct conn *conns = calloc((size_t)nconn, sizeof *conns);
    uint32_t *lat = malloc(total * sizeof *lat); /* ns, saturated at 4.29 s */
    struct epoll_event *evs = malloc((size_t)nconn * sizeof *evs);
    if (!conns || !lat || !evs)
        fail("out of memory");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        fail("epoll_create1: %s", strerror(errno));

    /* Open every connection at once. */
    struct sockaddr_in a = addr_of(port);
    int64_t t_open = now_ns();
    long pending = nconn;
    for (long i = 0; i < nconn; i++) {
        struct conn *c = &conns[i];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
            fail("socket: %s", strerror(errno));
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c->fd, (struct sockaddr *)&a, sizeof a) == 0) {
            c->connected = 1;
            pending--;
        } else if (errno != EINPROGRESS) {
            fail("connection %ld: connect: %s", i, strerror(errno));
        }
        struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            fail("epoll_ctl: %s", strerror(errno));
    }
    while (pending > 0) {
        int n = epoll_wait(ep, evs, (int)nconn, STALL_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail("%ld of %ld connections still not open after %d ms", pending, nconn, STALL_MS);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[evs[k].data.u64];
            if (c->connected)
                continue;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err)
                fail("connection %llu: connect: %s", (unsigned long long)evs[k].data.u64,
                     strerror(err));
            c->connected = 1;
            pending--;
        }
    }
    /* Every connection waits for its replies from now on. */
    for (long i = 0; i < nconn; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev) != 0)
            fail("epoll_ctl: %s", strerror(errno));
    }
    int64_t t_start = now_ns();

    /* The first round of every connection. */
    size_t done = 0;
    for (long i = 0; i < nconn; i++) {
        struct conn *c = &conns[i];
        fill(c, (uint32_t)i);
        c->t0 = now_ns();
        send_some(c, (uint32_t)i);
        if (c->sent < MSG) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)i};
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
    long active = nconn;
    unsigned char in[MSG];
    while (active > 0) {
        int n = epoll_wait(ep, evs, (int)nconn, STALL_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("epoll_wait: %s", strerror(errno));
        if (n == 0)
            fail("no reply for %d ms (%zu of %zu round trips done)", STALL_MS, done, total);
        for (int k = 0; k < n; k++) {
            uint32_t id = (uint32_t)evs[k].data.u64;
            struct conn *c = &conns[id];
            if (evs[k].events & EPOLLOUT) {
                send_some(c, id);
                if (c->sent == MSG) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = id};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }
            if (!(evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                continue;
            for (;;) {
                ssize_t r = recv(c->fd, in, MSG - c->got, 0);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r < 0)
                    fail("connection %u, round %u: read: %s", id, c->round, strerror(errno));
                if (r == 0)
                    fail("connection %u, round %u: the server closed the connection", id, c->round);
                if ((uint32_t)r + c->got > c->sent)
                    fail("connection %u, round %u: more bytes back than were sent", id, c->round);
                if (memcmp(in, c->out + c->got, (size_t)r) != 0)
                    fail("connection %u, round %u: the bytes that came back differ from those sent",
                         id, c->round);
                c->got += (uint32_t)r;
                if (c->got < MSG)
                    continue;
                int64_t d = now_ns() - c->t0;
                lat[done++] = d > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
                c->round++;
                c->sent = c->got = 0;
                if (c->round == (uint32_t)rounds) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    c->fd = -1;
                    active--;
                    break;
                }
                fill(c, id);
                c->t0 = now_ns();
                send_some(c, id);
                if (c->sent < MSG) {
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = id};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
                break; /* the reply to this round cannot be there yet */
            }
        }
    }
    int64_t t_end = now_ns();
    if (done != total)
        fail("%zu round trips done, %zu expected", done, total);

    qsort(lat, total, sizeof *lat, cmp_u32);
    double wall = (double)(t_end - t_start) / 1e9;
    printf("connections %ld\n", nconn);
    printf("rounds %ld\n", rounds);
    printf("round_trips %zu\n", total);
    printf("connect_s %.4f\n", (double)(t_start - t_open) / 1e9);
    printf("wall_s %.4f\n", wall);
    printf("throughput %.0f\n", (double)total / wall);
    printf("p50_us %.1f\n", pct_us(lat, total, 50));
    printf("p99_us %.1f\n", pct_us(lat, total, 99));
    printf("max_us %.1f\n", lat[total - 1] / 1000.0);
    free(lat);
    free(conns);
    free(evs);
    return 0;
}
