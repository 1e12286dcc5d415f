package io.snapferry.daemon.systemd;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the notification protocol needs; loaded on first use only. Public only because
 * JNR-FFI generates its implementation in another class loader; not for use outside this package.
 */
public interface LibC {
    int AF_UNIX = 1;
    /** Linux's value on every architecture but MIPS, which snapferry does not support. */
    int SOCK_DGRAM = 2;
    int SOCK_CLOEXEC = 0x80000;
    int MSG_NOSIGNAL = 0x4000;

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    @ssize_t
    long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

    @SaveError
    int close(int fd);

    String strerror(int errnum);

    /** Holder: libc is loaded (about 200 ms) the first time a notification is sent. */
    final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).failImmediately().load("c");
        static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);

        private Holder() {
        }
    }
}
