using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FreshServe.Interop;

/// <summary>The IP Helper call that lists TCP sockets with their owner pids (Windows).</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class IpHlpApi
{
    [LibraryImport("iphlpapi.dll")]
    public static partial uint GetExtendedTcpTable(byte* table, ref uint size, int order, uint family, int tableClass, uint reserved);
}
