using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Ports;

/// <summary>Windows: a process and its descendants, from one Toolhelp snapshot of every process's parent pid.</summary>
public static class WindowsProcessTree
{
    private const uint SnapProcess = 0x2;
    private static readonly IntPtr InvalidHandle = new(-1);

    [SupportedOSPlatform("windows")]
    public static IReadOnlySet<int> Of(int root) => Descendants(root, ParentPids());

    /// <summary>The root and every pid whose parent chain leads to it (a pid reused as a parent is a rare, harmless overreach).</summary>
    public static IReadOnlySet<int> Descendants(int root, IReadOnlyList<(int Pid, int ParentPid)> processes)
    {
        var tree = new HashSet<int> { root };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in processes)
            {
                grew |= pid != parent && tree.Contains(parent) && tree.Add(pid);
            }
        }

        return tree;
    }

    [SupportedOSPlatform("windows")]
    private static unsafe List<(int Pid, int ParentPid)> ParentPids()
    {
        var result = new List<(int, int)>();
        var snapshot = Kernel32.CreateToolhelp32Snapshot(SnapProcess, 0);
        if (snapshot == InvalidHandle)
        {
            return result;
        }

        try
        {
            var entry = new Kernel32.ProcessEntry32 { Size = (uint)sizeof(Kernel32.ProcessEntry32) };
            for (var ok = Kernel32.Process32FirstW(snapshot, &entry); ok; ok = Kernel32.Process32NextW(snapshot, &entry))
            {
                result.Add(((int)entry.ProcessId, (int)entry.ParentProcessId));
            }
        }
        finally
        {
            Kernel32.CloseHandle(snapshot);
        }

        return result;
    }
}
