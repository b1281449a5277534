using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FreshServe.Ports;

/// <summary>Windows: a process and its descendants, from one Toolhelp snapshot of every process's parent pid.</summary>
public static partial class WindowsProcessTree
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
        var snapshot = CreateToolhelp32Snapshot(SnapProcess, 0);
        if (snapshot == InvalidHandle)
        {
            return result;
        }

        try
        {
            var entry = new ProcessEntry32 { Size = (uint)sizeof(ProcessEntry32) };
            for (var ok = Process32FirstW(snapshot, &entry); ok; ok = Process32NextW(snapshot, &entry))
            {
                result.Add(((int)entry.ProcessId, (int)entry.ParentProcessId));
            }
        }
        finally
        {
            CloseHandle(snapshot);
        }

        return result;
    }

    /// <summary>PROCESSENTRY32W.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct ProcessEntry32
    {
        public uint Size;
        public uint Usage;
        public uint ProcessId;
        public UIntPtr DefaultHeapId;
        public uint ModuleId;
        public uint Threads;
        public uint ParentProcessId;
        public int PriorityClassBase;
        public uint Flags;
        public fixed char ExeFile[260];
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial IntPtr CreateToolhelp32Snapshot(uint flags, uint processId);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool Process32FirstW(IntPtr snapshot, ProcessEntry32* entry);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool Process32NextW(IntPtr snapshot, ProcessEntry32* entry);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(IntPtr handle);
}
