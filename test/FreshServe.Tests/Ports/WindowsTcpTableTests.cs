using System.Buffers.Binary;
using FreshServe.Ports;

namespace FreshServe.Tests.Ports;

/// <summary>GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL) buffers, parsed without Windows.</summary>
public sealed class WindowsTcpTableTests
{
    private const int Listen = 2;
    private const int Established = 5;

    [Fact]
    public void A_listening_ipv4_row_names_its_owner()
    {
        var table = Ipv4Table((Established, 51000, 4242), (Listen, 8001, 4242), (Listen, 8002, 977));

        var rows = WindowsTcpTable.Parse(table, ipv6: false);
        Assert.Equal([new(51000, Established, 4242), new(8001, Listen, 4242), new(8002, Listen, 977)], rows);

        var holder = WindowsTcpTable.HolderIn(rows, 8002, pid => $"cmd-of-{pid}");
        Assert.Equal(new PortHolder(977, "cmd-of-977"), holder);
        Assert.Null(WindowsTcpTable.HolderIn(rows, 51000, _ => null).Pid);
    }

    [Fact]
    public void Owner_pid_zero_as_wine_reports_it_means_a_process_that_cannot_be_named()
    {
        // As Wine 8 lists a listening socket: present in the table, owner pid 0.
        var table = Ipv4Table((Listen, 8001, 0));

        var holder = WindowsTcpTable.HolderIn(WindowsTcpTable.Parse(table, ipv6: false), 8001, pid => throw new InvalidOperationException($"asked for pid {pid}"));

        Assert.Null(holder.Pid);
        Assert.Equal("a process freshserve cannot name", holder.Describe());
    }

    [Fact]
    public void Ipv6_rows_are_read_at_their_own_offsets()
    {
        var table = Ipv6Table((Listen, 5173, 3100), (Established, 5173, 3200));

        var rows = WindowsTcpTable.Parse(table, ipv6: true);

        Assert.Equal([new(5173, Listen, 3100), new(5173, Established, 3200)], rows);
        Assert.Equal(3100, WindowsTcpTable.HolderIn(rows, 5173, _ => null).Pid);
    }

    [Fact]
    public void A_truncated_table_yields_only_whole_rows()
    {
        var table = Ipv4Table((Listen, 8001, 1), (Listen, 8002, 2));
        Assert.Single(WindowsTcpTable.Parse(table.AsSpan(0, table.Length - 1), ipv6: false));
        Assert.Empty(WindowsTcpTable.Parse([1, 0], ipv6: false));
    }

    // MIB_TCPTABLE_OWNER_PID: DWORD count, then rows of state, local addr, local port, remote addr, remote port, pid.
    private static byte[] Ipv4Table(params (int State, int Port, int Pid)[] rows)
    {
        var table = new byte[4 + (rows.Length * 24)];
        BinaryPrimitives.WriteUInt32LittleEndian(table, (uint)rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            var row = table.AsSpan(4 + (i * 24), 24);
            BinaryPrimitives.WriteInt32LittleEndian(row, rows[i].State);
            row[4] = 127;
            row[7] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(row[8..], (ushort)rows[i].Port);
            BinaryPrimitives.WriteUInt16BigEndian(row[16..], 443);
            BinaryPrimitives.WriteInt32LittleEndian(row[20..], rows[i].Pid);
        }

        return table;
    }

    // MIB_TCP6TABLE_OWNER_PID rows: local addr[16], scope, port, remote addr[16], scope, port, state, pid.
    private static byte[] Ipv6Table(params (int State, int Port, int Pid)[] rows)
    {
        var table = new byte[4 + (rows.Length * 56)];
        BinaryPrimitives.WriteUInt32LittleEndian(table, (uint)rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            var row = table.AsSpan(4 + (i * 56), 56);
            row[15] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(row[20..], (ushort)rows[i].Port);
            BinaryPrimitives.WriteUInt16BigEndian(row[44..], 443);
            BinaryPrimitives.WriteInt32LittleEndian(row[48..], rows[i].State);
            BinaryPrimitives.WriteInt32LittleEndian(row[52..], rows[i].Pid);
        }

        return table;
    }
}
