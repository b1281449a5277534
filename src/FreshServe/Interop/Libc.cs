using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FreshServe.Processes;

namespace FreshServe.Interop;

/// <summary>
/// Every libc call freshserve makes (the one home of Unix native declarations): process groups, signals to groups,
/// waitpid, posix_spawn, pipes, statx.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    static Libc()
    {
        // "libc" alone does not load on glibc (libc.so is a linker script); name the real file there.
        NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, (name, assembly, path) =>
            name == Lib && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var handle)
                ? handle
                : IntPtr.Zero);
    }

    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int ENOEXEC = 8;

    public static readonly bool IsMac = OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsFreeBSD();

    public const short SpawnSetPgroup = 0x02;
    public const short SpawnSetSigDef = 0x04;
    public const short SpawnSetSigMask = 0x08;
    public static int O_RDONLY => 0;
    public static int O_WRONLY => 1;
    public const int WNOHANG = 1;

    // waitid (Linux): P_ALL waits for any child; WNOWAIT leaves the child waitable. siginfo_t is 128 bytes; si_pid
    // follows si_signo, si_errno, si_code and, on 64-bit, padding that aligns the union.
    public const int P_ALL = 0;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int SigInfoSize = 128;
    public static int SigInfoPidOffset => IntPtr.Size == 8 ? 16 : 12;
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int O_CLOEXEC_LINUX = 0x80000;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    public static int SIGHUP => 1;
    public static int SIGINT => 2;
    public static int SIGQUIT => 3;
    public static int SIGKILL => 9;
    public static int SIGTERM => 15;
    public static int SIGUSR1 => IsMac ? 30 : 10;
    public static int SIGUSR2 => IsMac ? 31 : 12;
    public static int SIGSTOP => IsMac ? 17 : 19;
    public static int SIGCONT => IsMac ? 19 : 18;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nint length, int flags);

    /// <summary>The foreground process group of the terminal on <paramref name="fd"/>, or -1 when it is not a terminal.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int tcgetpgrp(int fd);

    [LibraryImport(Lib)]
    public static partial int getpgrp();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitid(int idType, int id, byte* info, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpgid(int pid);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial uint getuid();

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, string path, int oflag, int mode);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addchdir_np(void* actions, string path);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe(int* fds);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, byte* arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(void* set);

    [LibraryImport(Lib)]
    public static partial int sigfillset(void* set);

    [LibraryImport(Lib)]
    public static partial int sigdelset(void* set, int signo);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn(out int pid, string path, void* fileActions, void* attr, byte** argv, byte** envp);

    /// <summary>Linux only (glibc 2.28+): the caller reads the fields it needs from <paramref name="buffer"/>.</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    public static int SignalNumber(StopSignal signal) => signal switch
    {
        StopSignal.Term => SIGTERM,
        StopSignal.Int => SIGINT,
        StopSignal.Hup => SIGHUP,
        StopSignal.Quit => SIGQUIT,
        StopSignal.Usr1 => SIGUSR1,
        StopSignal.Usr2 => SIGUSR2,
        StopSignal.Kill => SIGKILL,
        _ => SIGTERM,
    };

    /// <summary>Decodes a waitpid status: the exit code, or 128 + the signal that ended the process.</summary>
    public static int DecodeWaitStatus(int status)
    {
        var termSignal = status & 0x7f;
        return termSignal == 0 ? (status >> 8) & 0xff : 128 + termSignal;
    }
}
