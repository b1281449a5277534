using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using FreshServe.Interop;

namespace FreshServe.Processes.Unix;

/// <summary>
/// posix_spawn with the attributes every process freshserve starts needs: its own process group, default signal
/// dispositions (freshserve's ignored signals and .NET's ignored SIGPIPE are not inherited) and an empty signal mask.
/// The caller must wait for the child by pid and then tell <see cref="OrphanReaper.Reaped"/>.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static unsafe class PosixSpawn
{
    /// <param name="stdinFrom">A descriptor to become the child's stdin, or -1 to keep ours, or -2 for /dev/null.</param>
    /// <param name="silenceOutput">Point stdout and stderr at /dev/null (for helpers, not for workers).</param>
    /// <param name="outputTo">A descriptor to become the child's stdout and stderr, or -1 to keep ours.</param>
    public static int Spawn(string fileName, IReadOnlyList<string> argv, IEnumerable<string> envp, string? workingDirectory,
        int stdinFrom, bool silenceOutput, int outputTo = -1)
    {
        var attr = NativeMemory.AllocZeroed(1024);
        var actions = NativeMemory.AllocZeroed(1024);
        var sigset = NativeMemory.AllocZeroed(256);
        using var argvBlock = new NativeStringArray(argv);
        using var envBlock = new NativeStringArray(envp.ToList());
        try
        {
            Check(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            Check(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(Libc.posix_spawnattr_setflags(attr, (short)(Libc.SpawnSetPgroup | Libc.SpawnSetSigDef | Libc.SpawnSetSigMask)), "setflags");
            Check(Libc.posix_spawnattr_setpgroup(attr, 0), "setpgroup");
            Libc.sigfillset(sigset);
            Libc.sigdelset(sigset, Libc.SIGKILL);
            Libc.sigdelset(sigset, Libc.SIGSTOP);
            Check(Libc.posix_spawnattr_setsigdefault(attr, sigset), "setsigdefault");
            Libc.sigemptyset(sigset);
            Check(Libc.posix_spawnattr_setsigmask(attr, sigset), "setsigmask");
            if (stdinFrom == -2)
            {
                Check(Libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "addopen");
            }
            else if (stdinFrom >= 0)
            {
                // dup2 clears close-on-exec on the copy, so the child keeps exactly this one descriptor.
                Check(Libc.posix_spawn_file_actions_adddup2(actions, stdinFrom, 0), "adddup2");
            }

            if (silenceOutput)
            {
                Check(Libc.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", Libc.O_WRONLY, 0), "addopen");
                Check(Libc.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", Libc.O_WRONLY, 0), "addopen");
            }
            else if (outputTo >= 0)
            {
                Check(Libc.posix_spawn_file_actions_adddup2(actions, outputTo, 1), "adddup2");
                Check(Libc.posix_spawn_file_actions_adddup2(actions, outputTo, 2), "adddup2");
            }

            if (workingDirectory is not null)
            {
                // addchdir_np: glibc 2.29+ and macOS 10.15+; changing our own folder instead would race other threads.
                Check(Libc.posix_spawn_file_actions_addchdir_np(actions, workingDirectory), "addchdir");
            }

            int error, pid;
            using (OrphanReaper.Spawning())
            {
                error = Libc.posix_spawn(out pid, fileName, actions, attr, argvBlock.Pointers, envBlock.Pointers);
                if (error == 0)
                {
                    OrphanReaper.HasOwnWaiter(pid);
                }
            }

            if (error != 0)
            {
                throw new CommandStartException($"cannot start '{fileName}': {Explain(fileName, error)}");
            }

            return pid;
        }
        finally
        {
            Libc.posix_spawn_file_actions_destroy(actions);
            Libc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(sigset);
        }
    }

    /// <summary>The kernel's reason, plus what it means for a script: both errors below name a file that exists.</summary>
    private static string Explain(string fileName, int error)
    {
        var reason = Marshal.GetPInvokeErrorMessage(error);
        if (error == Libc.ENOEXEC)
        {
            return $"{reason} (not a program for this system; a script needs a first line like #!/bin/sh)";
        }

        if (error == Libc.ENOENT && File.Exists(fileName))
        {
            try
            {
                var firstLine = File.ReadLines(fileName).FirstOrDefault() ?? string.Empty;
                if (firstLine.StartsWith("#!", StringComparison.Ordinal))
                {
                    return $"{reason}: the interpreter its first line names ({firstLine}) was not found";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return reason;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new CommandStartException($"{call} failed: {Marshal.GetPInvokeErrorMessage(result)}");
        }
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory.</summary>
    private sealed class NativeStringArray : IDisposable
    {
        private readonly List<IntPtr> _strings = [];

        public NativeStringArray(IReadOnlyList<string> values)
        {
            Pointers = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
            for (var i = 0; i < values.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(values[i] + '\0');
                var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
                bytes.CopyTo(new Span<byte>(p, bytes.Length));
                Pointers[i] = p;
                _strings.Add((IntPtr)p);
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            foreach (var p in _strings)
            {
                NativeMemory.Free((void*)p);
            }

            NativeMemory.Free(Pointers);
        }
    }
}
