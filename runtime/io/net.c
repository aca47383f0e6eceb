/*
 * runtime/io/net.c — sockets on the netpoller: TCP (listen, accept,
 * connect, read, write, shutdown, options), UDP (send to, receive from),
 * IPv4 and IPv6, name resolution in the blocking pool (docs/io.md).
 *
 * Every socket is non-blocking; an operation tries its system call and,
 * on EAGAIN, parks the process on the netpoller until the socket is ready
 * or the operation's timeout (milliseconds; < 0: none; 0: do not wait)
 * runs out. Errors raise {socket_error, Code, "op", Target}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/io.h"

/* Reads of up to this much go through a buffer of the worker thread (no
 * switch happens between the read and the copy out of it). */
#define SCRATCH (64 * 1024)
static _Thread_local char scratch[SCRATCH];

/* ---- addresses ---- */

typedef struct addr {
    struct sockaddr_storage sa;
    socklen_t len;
} addr_t;

#define MAX_ADDRS 16

/* "127.0.0.1:80", "[::1]:80" */
static void addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        snprintf(buf, cap, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(buf, cap, "[%s]:%d", host, port);
    } else {
        snprintf(buf, cap, "?");
    }
}

/* {Host, Port} of an address. */
static vm_val_t addr_value(vm_ctx_t *ctx, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    }
    vm_val_t h = rt_str_new(ctx, host, strlen(host));
    return h ? rt_tuple(ctx, 2, (vm_val_t[]){h, val_from_int(port)}) : 0;
}

typedef struct resolve {
    const char *host;
    vm_val_t keep;
    char port[8];
    int passive, type;
    int err; /* getaddrinfo's code */
    int n;   /* addresses found */
    addr_t a[MAX_ADDRS];
} resolve_t;

static void do_resolve(void *arg)
{
    resolve_t *r = arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = r->type,
                             .ai_flags = (r->passive ? AI_PASSIVE : 0) | AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    r->err = getaddrinfo(*r->host ? r->host : NULL, r->port, &hints, &res);
    if (r->err == EAI_NONAME || r->err == EAI_ADDRFAMILY) {
        /* AI_ADDRCONFIG hides loopback addresses on a host without other
         * interfaces (a container): ask again without it. */
        hints.ai_flags &= ~AI_ADDRCONFIG;
        r->err = getaddrinfo(*r->host ? r->host : NULL, r->port, &hints, &res);
    }
    r->n = 0;
    for (struct addrinfo *i = res; i && r->n < MAX_ADDRS; i = i->ai_next) {
        memcpy(&r->a[r->n].sa, i->ai_addr, i->ai_addrlen);
        r->a[r->n++].len = i->ai_addrlen;
    }
    if (res)
        freeaddrinfo(res);
}

/* A numeric address needs no look-up (and no trip to the pool). */
static int numeric(resolve_t *r, int port)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&r->a[0].sa;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&r->a[0].sa;
    memset(&r->a[0], 0, sizeof r->a[0]);
    if (inet_pton(AF_INET, r->host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        r->a[0].len = sizeof *a4;
    } else if (inet_pton(AF_INET6, r->host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        r->a[0].len = sizeof *a6;
    } else {
        return 0;
    }
    r->n = 1;
    return 1;
}

/* The addresses of host:port; NULL after raising. */
static resolve_t *resolve(vm_ctx_t *ctx, vm_val_t host, int64_t port, int passive, int type,
                          const char *who)
{
    const char *h = rt_io_path(ctx, host, who);
    if (!h)
        return NULL;
    if (port < 0 || port > 65535) {
        rt_raise(ctx, "badarg", "%s: port %lld is outside 0..65535", who, (long long)port);
        return NULL;
    }
    resolve_t *r = rt_io_record(ctx, sizeof *r);
    if (!r)
        return NULL;
    r->host = h;
    r->keep = host;
    r->passive = passive;
    r->type = type;
    snprintf(r->port, sizeof r->port, "%d", (int)port);
    if (numeric(r, (int)port))
        return r;
    rt_io_blocking(ctx, do_resolve, r);
    if (r->err || r->n == 0) {
        char target[300];
        snprintf(target, sizeof target, "%.256s:%d", h, (int)port);
        /* getaddrinfo's codes are not errnos: a name that does not resolve
         * is nxdomain, as Erlang's inet says. */
        const char *why = r->err ? gai_strerror(r->err) : "no address";
        vm_val_t t = rt_str_new(ctx, target, strlen(target));
        vm_val_t op = t ? rt_str_new(ctx, "resolve", 7) : 0;
        vm_val_t reason =
            op ? rt_tuple(ctx, 4, (vm_val_t[]){rt_atom("socket_error"), rt_atom("nxdomain"), op, t})
               : 0;
        if (reason)
            rt_raise_valf(ctx, reason, "resolve %s: %s", target, why);
        return NULL;
    }
    return r;
}

/* ---- timeouts ---- */

/* What is left of a timeout that started at `start` (ns). */
static int64_t left_ms(int64_t timeout_ms, int64_t start)
{
    if (timeout_ms <= 0)
        return timeout_ms;
    int64_t left = timeout_ms - (rt_now_ns() - start) / 1000000;
    return left > 0 ? left : 0;
}

/* ---- making sockets ---- */

static vm_val_t label_of(vm_ctx_t *ctx, const char *proto, int fd, int peer)
{
    struct sockaddr_storage a;
    socklen_t n = sizeof a;
    char local[80] = "?", remote[80] = "", buf[200];
    if (getsockname(fd, (struct sockaddr *)&a, &n) == 0)
        addr_text((struct sockaddr *)&a, local, sizeof local);
    n = sizeof a;
    if (peer && getpeername(fd, (struct sockaddr *)&a, &n) == 0)
        addr_text((struct sockaddr *)&a, remote, sizeof remote);
    if (peer)
        snprintf(buf, sizeof buf, "%s %s->%s", proto, local, remote);
    else
        snprintf(buf, sizeof buf, "%s %s", proto, local);
    return rt_str_new(ctx, buf, strlen(buf));
}

static rt_io_t *wrap(vm_ctx_t *ctx, int type, int fd, const char *proto, int peer)
{
    vm_val_t label = label_of(ctx, proto, fd, peer);
    if (!label) {
        close(fd);
        return NULL;
    }
    return rt_io_new(ctx, VM_KIND_SOCKET, type, RT_IO_R | RT_IO_W, fd, label);
}

static int new_socket(int family, int type)
{
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && rt_io_reclaim(errno))
        fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd;
}

static rt_io_t *get_sock(vm_ctx_t *ctx, vm_val_t s, int type, const char *who)
{
    rt_io_t *io = rt_io_get(ctx, s, VM_KIND_SOCKET, who);
    if (io && type >= 0 && io->type != type) {
        static const char *const names[] = {
            [RT_IO_TCP] = "a connected TCP socket",
            [RT_IO_LISTENER] = "a listening TCP socket",
            [RT_IO_UDP] = "a UDP socket",
        };
        char what[96];
        rt_raise(ctx, "badarg", "%s: %s is not %s", who, rt_val_text(s, what, sizeof what),
                 names[type]);
        return NULL;
    }
    return io;
}

/* ---- TCP ---- */

vm_val_t vm_tcp_listen(vm_ctx_t *ctx, vm_val_t host, int64_t port)
{
    resolve_t *r = resolve(ctx, host, port, 1, SOCK_STREAM, "tcp.listen");
    if (!r)
        return 0;
    int err = 0;
    for (int i = 0; i < r->n; i++) {
        int fd = new_socket(r->a[i].sa.ss_family, SOCK_STREAM);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&r->a[i].sa, r->a[i].len) == 0 &&
            listen(fd, SOMAXCONN) == 0) {
            rt_io_t *io = wrap(ctx, RT_IO_LISTENER, fd, "tcp", 0);
            return io ? (vm_val_t)io : 0;
        }
        err = errno;
        close(fd);
    }
    char target[300];
    snprintf(target, sizeof target, "%.256s:%lld", r->host, (long long)port);
    return rt_io_raise_on(ctx, 1, err, "listen", target);
}

vm_val_t vm_tcp_accept(vm_ctx_t *ctx, vm_val_t l, int64_t timeout_ms)
{
    rt_io_t *io = get_sock(ctx, l, RT_IO_LISTENER, "tcp.accept");
    if (!io)
        return 0;
    int64_t start = rt_now_ns();
    int reclaimed = 0;
    for (;;) {
        int fd = accept4(atomic_load_explicit(&io->fd, memory_order_relaxed), NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            int one = 1; /* small writes go out at once: a request/response default */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            rt_io_t *s = wrap(ctx, RT_IO_TCP, fd, "tcp", 1);
            return s ? (vm_val_t)s : 0;
        }
        int e = errno;
        if (e == EINTR || e == ECONNABORTED)
            continue;
        if (!reclaimed && rt_io_reclaim(e)) {
            reclaimed = 1;
            continue;
        }
        if (e != EAGAIN)
            return rt_io_raise(ctx, io, e, "accept");
        if (!rt_io_wait(ctx, io, RT_POLL_READ, left_ms(timeout_ms, start), "accept"))
            return 0;
    }
}

/* Connect one address; 0 on success, else the errno (RT_IO_ETIMEOUT). */
static int connect_one(vm_ctx_t *ctx, const addr_t *a, int64_t timeout_ms, int64_t start,
                       rt_io_t **out)
{
    int fd = new_socket(a->sa.ss_family, SOCK_STREAM);
    if (fd < 0)
        return errno;
    int r;
    do
        r = connect(fd, (const struct sockaddr *)&a->sa, a->len);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return e;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rt_io_t *io = wrap(ctx, RT_IO_TCP, fd, "tcp", 0);
    if (!io)
        return -100; /* raised */
    if (r < 0) {
        switch (rt_poll_wait(ctx, io->pd, RT_POLL_WRITE, left_ms(timeout_ms, start))) {
        case RT_POLL_KILLED:
            rt_io_close(io);
            rt_proc_check_kill(rt_proc_of(ctx));
            break;
        case RT_POLL_TIMEOUT:
            rt_io_close(io);
            rt_io_disown(io);
            return RT_IO_ETIMEOUT;
        default: break;
        }
        int err = 0;
        socklen_t n = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n);
        if (err) {
            rt_io_close(io);
            rt_io_disown(io);
            return err;
        }
    }
    /* The label names the peer now that there is one. */
    vm_val_t label = label_of(ctx, "tcp", fd, 1);
    if (label)
        io->head.label = label;
    *out = io;
    return 0;
}

vm_val_t vm_tcp_connect(vm_ctx_t *ctx, vm_val_t host, int64_t port, int64_t timeout_ms)
{
    int64_t start = rt_now_ns();
    resolve_t *r = resolve(ctx, host, port, 0, SOCK_STREAM, "tcp.connect");
    if (!r)
        return 0;
    int err = 0;
    for (int i = 0; i < r->n; i++) {
        rt_io_t *io = NULL;
        err = connect_one(ctx, &r->a[i], timeout_ms, start, &io);
        if (!err)
            return (vm_val_t)io;
        if (err == -100)
            return 0;
        if (err == RT_IO_ETIMEOUT)
            break;
    }
    char target[300];
    addr_text((struct sockaddr *)&r->a[0].sa, target, sizeof target);
    return rt_io_raise_on(ctx, 1, err, "connect", target);
}

/* ---- reading and writing ---- */

vm_val_t vm_sock_read(vm_ctx_t *ctx, vm_val_t s, int64_t n, int64_t timeout_ms)
{
    rt_io_t *io = get_sock(ctx, s, RT_IO_TCP, "sock.read");
    if (!io)
        return 0;
    if (n <= 0)
        return n == 0 ? rt_bytes_new(ctx, "", 0)
                      : rt_raise(ctx, "badarg", "sock.read: a negative count %lld", (long long)n);
    int64_t start = rt_now_ns();
    vm_string_t *big = NULL;
    if (n > SCRATCH && !(big = rt_bytes_alloc(ctx, (size_t)n)))
        return 0;
    char *buf = big ? big->bytes : scratch;
    for (;;) {
        ssize_t got = recv(atomic_load_explicit(&io->fd, memory_order_relaxed), buf, (size_t)n, 0);
        if (got > 0) {
            if (!big)
                return rt_bytes_new(ctx, scratch, (size_t)got);
            big->len = (uint64_t)got; /* shortened in place: the rest is unused */
            big->bytes[got] = 0;
            return (vm_val_t)big;
        }
        if (got == 0)
            return VM_NIL; /* the peer closed its end */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return rt_io_raise(ctx, io, errno, "read");
        if (!rt_io_wait(ctx, io, RT_POLL_READ, left_ms(timeout_ms, start), "read"))
            return 0;
    }
}

void vm_sock_write(vm_ctx_t *ctx, vm_val_t s, vm_val_t data, int64_t timeout_ms)
{
    rt_io_t *io = get_sock(ctx, s, RT_IO_TCP, "sock.write");
    const char *p;
    size_t n;
    if (!io || !rt_text_or_bytes(ctx, "sock.write", data, &p, &n))
        return;
    int64_t start = rt_now_ns();
    while (n > 0) {
        ssize_t w = send(atomic_load_explicit(&io->fd, memory_order_relaxed), p, n, MSG_NOSIGNAL);
        if (w >= 0) { /* a partial write: the rest when there is room */
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            rt_io_raise(ctx, io, errno, "write");
            return;
        }
        if (!rt_io_wait(ctx, io, RT_POLL_WRITE, left_ms(timeout_ms, start), "write"))
            return;
    }
}

void vm_sock_shutdown(vm_ctx_t *ctx, vm_val_t s, vm_val_t how)
{
    rt_io_t *io = get_sock(ctx, s, RT_IO_TCP, "sock.shutdown");
    if (!io)
        return;
    int h = how == rt_atom("read")    ? SHUT_RD
            : how == rt_atom("write") ? SHUT_WR
            : how == rt_atom("both")  ? SHUT_RDWR
                                      : -1;
    if (h < 0) {
        rt_raise(ctx, "badarg", "sock.shutdown: how must be read, write or both");
        return;
    }
    if (shutdown(atomic_load_explicit(&io->fd, memory_order_relaxed), h) != 0)
        rt_io_raise(ctx, io, errno, "shutdown");
}

void vm_sock_close(vm_ctx_t *ctx, vm_val_t s)
{
    rt_io_t *io = get_sock(ctx, s, -1, "sock.close");
    if (!io)
        return;
    int err = rt_io_close(io);
    rt_io_disown(io);
    if (err)
        rt_io_raise(ctx, io, err, "close");
}

/* ---- options and addresses ---- */

void vm_sock_setopt(vm_ctx_t *ctx, vm_val_t s, vm_val_t opt, int64_t value)
{
    rt_io_t *io = get_sock(ctx, s, -1, "sock.setopt");
    if (!io)
        return;
    static const struct {
        const char *name;
        int level, opt;
    } opts[] = {
        {"nodelay", IPPROTO_TCP, TCP_NODELAY},   {"reuseaddr", SOL_SOCKET, SO_REUSEADDR},
        {"reuseport", SOL_SOCKET, SO_REUSEPORT}, {"keepalive", SOL_SOCKET, SO_KEEPALIVE},
        {"rcvbuf", SOL_SOCKET, SO_RCVBUF},       {"sndbuf", SOL_SOCKET, SO_SNDBUF},
        {"broadcast", SOL_SOCKET, SO_BROADCAST},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (opt != rt_atom(opts[i].name))
            continue;
        int v = value > INT32_MAX ? INT32_MAX : value < 0 ? 0 : (int)value;
        if (setsockopt(atomic_load_explicit(&io->fd, memory_order_relaxed), opts[i].level,
                       opts[i].opt, &v, sizeof v) != 0)
            rt_io_raise(ctx, io, errno, "setopt");
        return;
    }
    rt_raise(ctx, "badarg",
             "sock.setopt: unknown option (expected nodelay, reuseaddr, reuseport, keepalive, "
             "rcvbuf, sndbuf, broadcast)");
}

static vm_val_t an_addr(vm_ctx_t *ctx, vm_val_t s, int peer, const char *who)
{
    rt_io_t *io = get_sock(ctx, s, -1, who);
    if (!io)
        return 0;
    struct sockaddr_storage a;
    socklen_t n = sizeof a;
    int fd = atomic_load_explicit(&io->fd, memory_order_relaxed);
    if ((peer ? getpeername(fd, (struct sockaddr *)&a, &n)
              : getsockname(fd, (struct sockaddr *)&a, &n)) != 0)
        return rt_io_raise(ctx, io, errno, peer ? "getpeername" : "getsockname");
    return addr_value(ctx, (struct sockaddr *)&a);
}

vm_val_t vm_sock_local_addr(vm_ctx_t *ctx, vm_val_t s)
{
    return an_addr(ctx, s, 0, "sock.local_addr");
}

vm_val_t vm_sock_peer_addr(vm_ctx_t *ctx, vm_val_t s)
{
    return an_addr(ctx, s, 1, "sock.peer_addr");
}

/* ---- UDP ---- */

vm_val_t vm_udp_open(vm_ctx_t *ctx, vm_val_t host, int64_t port)
{
    resolve_t *r = resolve(ctx, host, port, 1, SOCK_DGRAM, "udp.open");
    if (!r)
        return 0;
    int err = 0;
    for (int i = 0; i < r->n; i++) {
        int fd = new_socket(r->a[i].sa.ss_family, SOCK_DGRAM);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (bind(fd, (struct sockaddr *)&r->a[i].sa, r->a[i].len) == 0) {
            rt_io_t *io = wrap(ctx, RT_IO_UDP, fd, "udp", 0);
            return io ? (vm_val_t)io : 0;
        }
        err = errno;
        close(fd);
    }
    char target[300];
    snprintf(target, sizeof target, "%.256s:%lld", r->host, (long long)port);
    return rt_io_raise_on(ctx, 1, err, "bind", target);
}

void vm_udp_send_to(vm_ctx_t *ctx, vm_val_t s, vm_val_t host, int64_t port, vm_val_t data)
{
    rt_io_t *io = get_sock(ctx, s, RT_IO_UDP, "udp.send_to");
    const char *p;
    size_t n;
    if (!io || !rt_text_or_bytes(ctx, "udp.send_to", data, &p, &n))
        return;
    resolve_t *r = resolve(ctx, host, port, 0, SOCK_DGRAM, "udp.send_to");
    if (!r)
        return;
    /* The first address of the socket's family. */
    struct sockaddr_storage own;
    socklen_t ol = sizeof own;
    int fd = atomic_load_explicit(&io->fd, memory_order_relaxed);
    getsockname(fd, (struct sockaddr *)&own, &ol);
    const addr_t *a = &r->a[0];
    for (int i = 0; i < r->n; i++)
        if (r->a[i].sa.ss_family == own.ss_family) {
            a = &r->a[i];
            break;
        }
    for (;;) {
        ssize_t w = sendto(fd, p, n, MSG_NOSIGNAL, (const struct sockaddr *)&a->sa, a->len);
        if (w >= 0)
            return;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            rt_io_raise(ctx, io, errno, "send_to");
            return;
        }
        if (!rt_io_wait(ctx, io, RT_POLL_WRITE, -1, "send_to"))
            return;
    }
}

vm_val_t vm_udp_recv_from(vm_ctx_t *ctx, vm_val_t s, int64_t n, int64_t timeout_ms)
{
    rt_io_t *io = get_sock(ctx, s, RT_IO_UDP, "udp.recv_from");
    if (!io)
        return 0;
    if (n < 0 || n > SCRATCH)
        return rt_raise(ctx, "badarg", "udp.recv_from: count %lld is outside 0..%d", (long long)n,
                        SCRATCH);
    int64_t start = rt_now_ns();
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t got = recvfrom(atomic_load_explicit(&io->fd, memory_order_relaxed), scratch,
                               (size_t)n, 0, (struct sockaddr *)&from, &fl);
        if (got >= 0) {
            vm_val_t d = rt_bytes_new(ctx, scratch, (size_t)got);
            vm_val_t a = d ? addr_value(ctx, (struct sockaddr *)&from) : 0;
            if (!a)
                return 0;
            const vm_tuple_t *t = (const vm_tuple_t *)a;
            return rt_tuple(ctx, 3, (vm_val_t[]){d, t->items[0], t->items[1]});
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return rt_io_raise(ctx, io, errno, "recv_from");
        if (!rt_io_wait(ctx, io, RT_POLL_READ, left_ms(timeout_ms, start), "recv_from"))
            return 0;
    }
}

/* ---- names ---- */

vm_val_t vm_net_resolve(vm_ctx_t *ctx, vm_val_t host)
{
    resolve_t *r = resolve(ctx, host, 0, 0, SOCK_STREAM, "net.resolve");
    if (!r)
        return 0;
    vm_val_t a = rt_array_new(ctx, (uint64_t)r->n);
    for (int i = 0; a && i < r->n; i++) {
        vm_val_t hp = addr_value(ctx, (struct sockaddr *)&r->a[i].sa);
        vm_val_t h = hp ? ((const vm_tuple_t *)hp)->items[0] : 0;
        if (!h || !rt_array_push(ctx, a, h))
            return 0;
    }
    return a;
}
