using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Ports;

/// <summary>One row of a TCP_TABLE_OWNER_PID table.</summary>
public sealed record TcpTableRow(int LocalPort, int State, int OwnerPid)
{
    public const int Listen = 2;
}

/// <summary>
/// Windows: whether a port is listened on, and by whom, from GetExtendedTcpTable (TCP_TABLE_OWNER_PID_LISTENER), IPv4
/// and IPv6. Rows are still filtered on the LISTEN state, so a table of every connection (_ALL) gives the same answer.
/// The parsing is kept apart from the call so a recorded table can be tested anywhere. Owner pid 0 (Wine reports
/// that for every socket) means the owner cannot be named.
/// </summary>
public static class WindowsTcpTable
{
    private const int AfInet = 2;
    private const int AfInet6 = 23;
    // Only listening sockets: Wine 8 took seconds per call for the _ALL class on a machine with ~2500 connections.
    private const int TcpTableOwnerPidListener = 3;
    private const uint ErrorInsufficientBuffer = 122;

    // MIB_TCPROW_OWNER_PID: state, local addr, local port, remote addr, remote port, owner pid (6 DWORDs).
    private const int Row4Size = 24;
    // MIB_TCP6ROW_OWNER_PID: local addr[16], scope, local port, remote addr[16], scope, remote port, state, owner pid.
    private const int Row6Size = 56;

    /// <summary>Rows of a MIB_TCPTABLE_OWNER_PID (IPv4) or MIB_TCP6TABLE_OWNER_PID (IPv6) buffer.</summary>
    public static IReadOnlyList<TcpTableRow> Parse(ReadOnlySpan<byte> table, bool ipv6)
    {
        if (table.Length < 4)
        {
            return [];
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(table);
        var rowSize = ipv6 ? Row6Size : Row4Size;
        // Rows are DWORD-aligned right after dwNumEntries.
        var rows = new List<TcpTableRow>();
        for (var i = 0; i < count && 4 + ((i + 1) * rowSize) <= table.Length; i++)
        {
            var row = table.Slice(4 + (i * rowSize), rowSize);
            var (stateAt, portAt, pidAt) = ipv6 ? (48, 20, 52) : (0, 8, 20);
            // The port sits in the low 16 bits of its DWORD in network byte order.
            rows.Add(new TcpTableRow(
                BinaryPrimitives.ReadUInt16BigEndian(row[portAt..]),
                BinaryPrimitives.ReadInt32LittleEndian(row[stateAt..]),
                BinaryPrimitives.ReadInt32LittleEndian(row[pidAt..])));
        }

        return rows;
    }

    /// <summary>True when a row is in the LISTEN state on <paramref name="port"/>; TIME-WAIT and connected rows do not count.</summary>
    public static bool ListensOn(IEnumerable<TcpTableRow> rows, int port) =>
        rows.Any(r => r.State == TcpTableRow.Listen && r.LocalPort == port);

    /// <summary>The holder of <paramref name="port"/> among listening rows; pid 0 becomes "cannot name".</summary>
    public static PortHolder HolderIn(IEnumerable<TcpTableRow> rows, int port, Func<int, string?> commandLineOf)
    {
        var listeners = rows.Where(r => r.State == TcpTableRow.Listen && r.LocalPort == port).ToList();
        var named = listeners.FirstOrDefault(r => r.OwnerPid > 0);
        return named is not null ? new PortHolder(named.OwnerPid, commandLineOf(named.OwnerPid)) : new PortHolder(null, null);
    }

    /// <summary>The listening ports held by <paramref name="pids"/>, lowest first (Wine's owner pid 0 matches none).</summary>
    public static IReadOnlyList<TreeListener> ListenersIn(IEnumerable<TcpTableRow> rows, IReadOnlySet<int> pids) =>
        rows.Where(r => r.State == TcpTableRow.Listen && r.OwnerPid > 0 && pids.Contains(r.OwnerPid))
            .Select(r => new TreeListener(r.LocalPort, r.OwnerPid))
            .DistinctBy(l => l.Port)
            .OrderBy(l => l.Port)
            .ToList();

    [SupportedOSPlatform("windows")]
    public static IReadOnlyList<TreeListener> ListenersOf(IReadOnlySet<int> pids) => ListenersIn(ReadBoth() ?? [], pids);

    [SupportedOSPlatform("windows")]
    public static PortHolder Find(int port) => HolderIn(ReadBoth() ?? [], port, CommandLineOf);

    /// <summary>Null when the IPv4 table could not be read, so the caller can ask another way.</summary>
    [SupportedOSPlatform("windows")]
    public static bool? IsListening(int port) => ReadBoth() is { } rows ? ListensOn(rows, port) : null;

    [SupportedOSPlatform("windows")]
    private static IReadOnlyList<TcpTableRow>? ReadBoth()
    {
        if (Read(AfInet) is not { } v4)
        {
            return null;
        }

        var v6 = Read(AfInet6);
        return [.. Parse(v4, ipv6: false), .. v6 is null ? [] : Parse(v6, ipv6: true)];
    }

    /// <summary>The raw table of one address family, or null when GetExtendedTcpTable kept failing.</summary>
    [SupportedOSPlatform("windows")]
    public static unsafe byte[]? Read(int family)
    {
        uint size = 0;
        var result = IpHlpApi.GetExtendedTcpTable(null, ref size, 0, (uint)family, TcpTableOwnerPidListener, 0);
        for (var attempt = 0; attempt < 5 && result == ErrorInsufficientBuffer; attempt++)
        {
            // Headroom for connections opened between the size query and the read (busy machines open many).
            var buffer = new byte[size + (size / 2) + 4096];
            size = (uint)buffer.Length;
            fixed (byte* p = buffer)
            {
                result = IpHlpApi.GetExtendedTcpTable(p, ref size, 0, (uint)family, TcpTableOwnerPidListener, 0);
            }

            if (result == 0)
            {
                return buffer[..(int)size];
            }
        }

        return null;
    }

    [SupportedOSPlatform("windows")]
    internal static string? CommandLineOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.MainModule?.FileName ?? process.ProcessName;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
