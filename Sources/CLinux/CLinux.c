#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int clinux_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

int clinux_epoll_wait(int epfd, struct epoll_event *scratch, clinux_event *events, int max, int timeout_ms) {
    int count = epoll_wait(epfd, scratch, max, timeout_ms);
    for (int i = 0; i < count; i++) {
        events[i].events = scratch[i].events;
        events[i].data = scratch[i].data.u64;
    }
    return count;
}

ssize_t clinux_send_vectors(int fd, const struct iovec *vectors, int count) {
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = (struct iovec *)vectors;
    message.msg_iovlen = (size_t)count;
    return sendmsg(fd, &message, MSG_NOSIGNAL);
}

void clinux_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = 0;
    pthread_setname_np(pthread_self(), truncated);
}

int clinux_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int clinux_allowed_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    return CPU_COUNT(&set);
}

ssize_t clinux_getrandom(void *buffer, size_t count) {
    return getrandom(buffer, count, 0);
}

int clinux_flush_stdout(void) {
    // Not behind a write blocked on a full pipe (it holds the stream's lock): exit would hang
    // there, as glibc's own exit-time flush takes care not to.
    if (ftrylockfile(stdout) != 0) {
        return 0;
    }
    errno = 0;
    int result = 0;
    if (fflush_unlocked(stdout) != 0) {
        result = errno != 0 ? errno : EIO;
    } else if (ferror_unlocked(stdout)) {
        result = EIO;
    }
    funlockfile(stdout);
    return result;
}
