// Python.h defines _GNU_SOURCE. Pull in the glibc headers that SwiftNIO also sees *before* it, so that
// both modules agree on fd_set and friends on a clean build.
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>
