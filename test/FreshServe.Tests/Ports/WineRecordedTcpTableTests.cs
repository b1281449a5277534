using FreshServe.Ports;
using FreshServe.Sessions;

namespace FreshServe.Tests.Ports;

/// <summary>
/// GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL) as Wine 8.0 (Debian 8.0~repack-4) returned it to a win-x64 .NET 10
/// program listening on 127.0.0.1:40009 and [::1]:40009 (its own pid was 32). Wine lists the host's sockets, every
/// one with owner pid 0.
/// </summary>
public sealed class WineRecordedTcpTableTests
{
    private const int Port = 40009;

    private static readonly byte[] Ipv4Table = Convert.FromBase64String(
        "LwAAAAIAAAB/AAABiIMAAAAAAAAAAAAAAAAAAAIAAAAAAAAAB+gAAAAAAAAAAAAAAAAAAAIAAAB/AAABjPsAAAAAAAAAAAAAAAAAAAIAAAB/AA"
        + "ABnEkAAAAAAAAAAAAAAAAAAAIAAAB/AAABnw8AAAAAAAAAAAAAAAAAAAIAAAB/AAABr/0AAAAAAAAAAAAAAAAAAAIAAAB/AAABsSEAAAAAAAAA"
        + "AAAAAAAAAAUAAAB/AAABjPsAAH8AAAGqsgAAAAAAAAsAAAB/AAABpGwAAH8AAAGlFwAAAAAAAAUAAAB/AAABsSEAAH8AAAGfxAAAAAAAAAsAAA"
        + "B/AAABogcAAH8AAAHZtgAAAAAAAAsAAAB/AAABqpAAAH8AAAGUqwAAAAAAAAsAAAB/AAAB2LAAAH8AAAGTKQAAAAAAAAsAAAB/AAABnhAAAH8A"
        + "AAGOcwAAAAAAAAsAAAB/AAABoGkAAH8AAAHNzAAAAAAAAAUAAAB/AAABiIMAAH8AAAHs4gAAAAAAAAUAAAB/AAABnw8AAH8AAAHQoAAAAAAAAA"
        + "UAAAB/AAABjPsAAH8AAAGqwgAAAAAAAAsAAAB/AAABlKsAAH8AAAHDvAAAAAAAAAsAAAB/AAABlKsAAH8AAAGqlgAAAAAAAAUAAAB/AAABjPsA"
        + "AH8AAAGqwAAAAAAAAAsAAAB/AAAByGgAAH8AAAGskQAAAAAAAAsAAAB/AAAB1k4AAH8AAAGskQAAAAAAAAsAAAB/AAABrJEAAH8AAAHWWAAAAA"
        + "AAAAsAAAB/AAAB2XoAAH8AAAGiBwAAAAAAAAsAAAB/AAAB2agAAH8AAAGiBwAAAAAAAAsAAAB/AAABjaAAAH8AAAGi7wAAAAAAAAUAAAB/AAAB"
        + "r/0AAH8AAAHhkAAAAAAAAAsAAAB/AAABqrAAAH8AAAGM+wAAAAAAAAUAAAB/AAABqrIAAH8AAAGM+wAAAAAAAAUAAAB/AAABqr4AAH8AAAGM+w"
        + "AAAAAAAAUAAAB/AAABqsAAAH8AAAGM+wAAAAAAAAUAAAB/AAABqsIAAH8AAAGM+wAAAAAAAAUAAAB/AAABr/0AAH8AAAHhjAAAAAAAAAsAAAB/"
        + "AAABpRcAAH8AAAGkeAAAAAAAAAsAAAB/AAABzcgAAH8AAAGgaQAAAAAAAAsAAAB/AAABlKsAAH8AAAHDvgAAAAAAAAUAAAB/AAABr/0AAH8AAA"
        + "HKiAAAAAAAAAsAAAB/AAABiu0AAH8AAAHpigAAAAAAAAsAAAB/AAAB5MgAAH8AAAGwKwAAAAAAAAsAAAB/AAABta8AAH8AAAGOGgAAAAAAAAsA"
        + "AAB/AAABlKsAAH8AAAHDxAAAAAAAAAUAAAB/AAABjPsAAH8AAAGqvgAAAAAAAAsAAAB/AAAB6T4AAH8AAAGK7QAAAAAAAAsAAAB/AAAB6XwAAH"
        + "8AAAGK7QAAAAAAAAUAAAB/AAABr/0AAH8AAAHhmAAAAAAAAAsAAAB/AAAB3qYAAH8AAAGesQAAAAAAAA==");

    private static readonly byte[] Ipv6Table = Convert.FromBase64String(
        "DQAAAAAAAAAAAAAAAAAAAAAAAAEAEAAAnEkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAQAACv/Q"
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAA//9/AAAB/////9CgAAAAAAAAAAAAAAAA//9/AAAB/////58PAAAF"
        + "AAAAAAAAAAAAAAAAAAAAAAD//38AAAH/////iKYAAAAAAAAAAAAAAAD//38AAAH/////ohMAAAsAAAAAAAAAAAAAAAAAAAAAAP//fwAAAf////"
        + "/KiAAAAAAAAAAAAAAAAP//fwAAAf////+v/QAABQAAAAAAAAAAAAAAAAAAAAAA//9/AAAB/////+GMAAAAAAAAAAAAAAAA//9/AAAB/////6/9"
        + "AAAFAAAAAAAAAAAAAAAAAAAAAAD//38AAAH/////4ZAAAAAAAAAAAAAAAAD//38AAAH/////r/0AAAUAAAAAAAAAAAAAAAAAAAAAAP//fwAAAf"
        + "/////hmAAAAAAAAAAAAAAAAP//fwAAAf////+v/QAABQAAAAAAAAAAAAAAAAAAAAAA//9/AAAB/////41eAAAAAAAAAAAAAAAA//9/AAAB////"
        + "/7V1AAALAAAAAAAAAAAAAAAAAAAAAAD//38AAAH/////7OIAAAAAAAAAAAAAAAD//38AAAH/////iIMAAAUAAAAAAAAAAAAAAAAAAAAAAP//fw"
        + "AAAf/////oUAAAAAAAAAAAAAAAAP//fwAAAf////+JCwAACwAAAAAAAAAAAAAAAAAAAAAA//9/AAAB/////+DsAAAAAAAAAAAAAAAA//9/AAAB"
        + "/////6HdAAALAAAAAAAAAAAAAAAAAAAAAAD//38AAAH/////n8QAAAAAAAAAAAAAAAD//38AAAH/////sSEAAAUAAAAAAAAA");

    [Fact]
    public void The_listener_is_found_in_both_tables_with_owner_pid_zero()
    {
        var v4 = WindowsTcpTable.Parse(Ipv4Table, ipv6: false);
        var v6 = WindowsTcpTable.Parse(Ipv6Table, ipv6: true);

        Assert.Equal(47, v4.Count);
        Assert.Equal(13, v6.Count);
        Assert.Contains(new TcpTableRow(Port, TcpTableRow.Listen, 0), v4);
        Assert.Contains(new TcpTableRow(Port, TcpTableRow.Listen, 0), v6);
        Assert.All(v4.Concat(v6), row => Assert.Equal(0, row.OwnerPid));
    }

    [Theory]
    [InlineData(Port, true, true)]
    [InlineData(45053, true, true)] // listened on, with TIME-WAIT and connected rows of its own beside the listener
    [InlineData(35565, true, false)] // only an IPv4 TIME-WAIT row: what made a restart under Wine wait for a port nobody held
    [InlineData(34982, true, false)] // only an IPv6 TIME-WAIT row
    [InlineData(43698, true, false)] // only the local end of an established connection
    [InlineData(1, false, false)]
    public void Only_a_listening_row_makes_a_port_held(int port, bool inTable, bool held)
    {
        var rows = WindowsTcpTable.Parse(Ipv4Table, ipv6: false).Concat(WindowsTcpTable.Parse(Ipv6Table, ipv6: true)).ToList();

        Assert.Equal(inTable, rows.Any(r => r.LocalPort == port));
        Assert.Equal(held, WindowsTcpTable.ListensOn(rows, port));
    }

    [Fact]
    public void The_port_is_reported_as_held_by_a_process_freshserve_cannot_name()
    {
        var rows = WindowsTcpTable.Parse(Ipv4Table, ipv6: false).Concat(WindowsTcpTable.Parse(Ipv6Table, ipv6: true));
        var holder = WindowsTcpTable.HolderIn(rows, Port, pid => throw new InvalidOperationException($"asked for pid {pid}"));

        using var runtime = new Infrastructure.TempFolder();
        var report = PortHolderReport.Classify(holder, new SessionRegistry(Path.Combine(runtime.Path, "freshserve")));

        Assert.Equal(PortHolderKind.Unknown, report.Kind);
        Assert.Equal("a process freshserve cannot name", report.Describe());
        Assert.Equal("end whatever listens there, or pick another port", report.Advice());
    }
}
