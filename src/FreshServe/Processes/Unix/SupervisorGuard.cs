using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Processes.Unix;

/// <summary>
/// Kills the worker trees when freshserve dies, however it dies (SIGKILL, a crash, the terminal closing).
/// <para>
/// Design: one guard per freshserve session, started once (never per restart): a /bin/sh running a short script whose
/// stdin is the read end of a pipe. Only freshserve holds the write end (close-on-exec, so no worker inherits it), and
/// freshserve never writes to it. The guard blocks in <c>read</c> (no CPU while idle). When freshserve's process ends
/// the kernel closes the write end, <c>read</c> sees end-of-file, and the guard kills (SIGSTOP, then SIGKILL, until a
/// pass finds none) every process whose environment carries this session's <see cref="ProcessMarker"/>
/// (<c>FRESHSERVE_SESSION=&lt;session&gt;.&lt;worker&gt;</c>, set in each worker's environment and inherited by everything it
/// starts), together with the process group of each such process that leads one. The session id (pid and start time)
/// is unique, so the guard cannot match a process freshserve's workers did not start, and a reused pid does not carry
/// it. Needs no root.
/// The guard sits in its own process group and ignores SIGHUP/SIGINT/SIGTERM, so the terminal closing or Ctrl+C reach
/// freshserve and not the guard. On a normal exit the tree is already stopped: the guard finds nothing and exits.
/// </para>
/// <para>
/// Limits: Linux reads /proc/PID/environ; on macOS the script reads environments through <c>ps -E</c>. A process that
/// replaced its whole environment (<c>env -i</c>) and left the worker's group escapes the guard (not the normal stop,
/// which also walks parent pids).
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class SupervisorGuard
{
    private const string Script = $$"""
        trap '' HUP INT TERM QUIT PIPE
        while read -r _; do :; done
        token="{{ProcessMarker.Variable}}=$1."
        find() {
          if [ -d /proc/self ]; then
            for f in $(grep -lzE "^$token[0-9]+\$" /proc/[0-9]*/environ 2>/dev/null); do p=${f#/proc/}; echo "${p%/environ}"; done
          else
            ps -A -E -ww -o pid= -o command= | grep -F " $token" | while read -r p _; do echo "$p"; done
          fi
        }
        n=0
        while [ $n -lt 100 ]; do
          pids=$(find)
          [ -z "$pids" ] && exit 0
          kill -STOP $pids 2>/dev/null
          for p in $pids; do
            if [ -r /proc/$p/stat ]; then
              read -r stat < /proc/$p/stat; rest=${stat##*) }; set -- $rest
              [ "$3" = "$p" ] && kill -KILL -- "-$p" 2>/dev/null
            fi
          done
          kill -KILL $pids 2>/dev/null
          n=$((n+1))
        done
        """;

    private SupervisorGuard(int pid)
    {
        Pid = pid;
        var reaper = new Thread(() => WaitFor(pid)) { IsBackground = true, Name = "guard waitpid" };
        reaper.Start();
    }

    public int Pid { get; }

    private static void WaitFor(int pid)
    {
        while (Libc.waitpid(pid, out _, 0) == -1 && Marshal.GetLastPInvokeError() == Libc.EINTR)
        {
        }

        OrphanReaper.Reaped(pid);
    }

    public static unsafe SupervisorGuard Start(string session)
    {
        var fds = stackalloc int[2];
        if (OperatingSystem.IsLinux())
        {
            if (Libc.pipe2(fds, Libc.O_CLOEXEC_LINUX) != 0)
            {
                throw new CommandStartException($"pipe2 failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        else
        {
            if (Libc.pipe(fds) != 0)
            {
                throw new CommandStartException($"pipe failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            Libc.fcntl(fds[0], Libc.F_SETFD, Libc.FD_CLOEXEC);
            Libc.fcntl(fds[1], Libc.F_SETFD, Libc.FD_CLOEXEC);
        }

        try
        {
            var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .Where(kv => (string)kv.Key != ProcessMarker.Variable)
                .Select(kv => $"{kv.Key}={kv.Value}");
            var pid = PosixSpawn.Spawn("/bin/sh", ["/bin/sh", "-c", Script, "freshserve-guard", session], env, "/",
                stdinFrom: fds[0], silenceOutput: true);
            // The write end (fds[1]) stays open, unreferenced, for freshserve's lifetime: its closing is the guard's signal.
            return new SupervisorGuard(pid);
        }
        finally
        {
            Libc.close(fds[0]);
        }
    }
}
