#ifndef CLINUX_H
#define CLINUX_H

// Linux calls the Glibc module does not export: the event primitives the runner's loop is built on, thread names,
// the process's CPU affinity, the kernel's random bytes, and stdout's fate.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdint.h>

/// `epoll_event` is packed on x86_64; these take and give its two fields without Swift touching the
/// packed layout.
int clinux_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);

/// One ready descriptor, unpacked.
typedef struct {
    uint32_t events;
    uint64_t data;
} clinux_event;

/// `epoll_wait` into an unpacked array. `scratch` must hold `max` packed events.
int clinux_epoll_wait(int epfd, struct epoll_event *scratch, clinux_event *events, int max, int timeout_ms);

/// `sendmsg` of `count` buffers with MSG_NOSIGNAL: a peer that went away is EPIPE, never SIGPIPE.
ssize_t clinux_send_vectors(int fd, const struct iovec *vectors, int count);

/// `accept4` with SOCK_NONBLOCK and SOCK_CLOEXEC (a GNU extension the Glibc module hides).
int clinux_accept(int fd);

/// Names the calling thread (the first 15 bytes), for `top -H` and `/proc/<pid>/task/*/comm`.
void clinux_set_thread_name(const char *name);

/// The CPUs the calling process may run on (`sched_getaffinity`, as `taskset` sets it), or -1.
int clinux_allowed_cpu_count(void);

/// `getrandom(buffer, count, 0)`: the number of random bytes written, or -1 with errno set.
ssize_t clinux_getrandom(void *buffer, size_t count);

/// Flushes stdout: 0 if everything written to it arrived, else the errno of the failure (or EIO
/// when only the stream's error flag says so). 0 too when another thread holds the stream (a write
/// blocked on a full pipe): the caller is exiting, and must not wait for it.
int clinux_flush_stdout(void);

#endif
