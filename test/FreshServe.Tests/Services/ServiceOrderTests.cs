using FreshServe.Services;

namespace FreshServe.Tests.Services;

/// <summary>The start order of services and the cycles that forbid one.</summary>
public sealed class ServiceOrderTests
{
    private static Func<string, IReadOnlyList<string>> Graph(params (string Name, string[] DependsOn)[] edges)
    {
        var map = edges.ToDictionary(e => e.Name, e => (IReadOnlyList<string>)e.DependsOn);
        return name => map[name];
    }

    [Fact]
    public void Dependencies_come_first_and_otherwise_the_order_of_the_file_holds()
    {
        var graph = Graph(("web", ["api", "auth"]), ("worker", ["api"]), ("api", ["db"]), ("db", []), ("auth", []), ("docs", []));
        string[] all = ["web", "worker", "api", "db", "auth", "docs"];
        Assert.Equal(["db", "api", "auth", "web", "worker", "docs"], ServiceOrder.DependenciesFirst(all, all, graph));
        Assert.Equal(["db", "api", "worker"], ServiceOrder.DependenciesFirst(all, ["worker"], graph));
        Assert.Equal(["db", "api", "worker", "docs"], ServiceOrder.DependenciesFirst(all, ["docs", "worker"], graph));
        Assert.Null(ServiceOrder.FindCycle(all, graph));
    }

    [Fact]
    public void A_cycle_is_named_along_its_path_with_the_dependency_that_closes_it()
    {
        var graph = Graph(("a", ["x", "b"]), ("b", ["c"]), ("c", ["d", "a"]), ("d", []), ("x", []));
        var (cycle, entry) = ServiceOrder.FindCycle(["a", "b", "c", "d", "x"], graph)!.Value;
        Assert.Equal(["a", "b", "c", "a"], cycle);
        Assert.Equal(1, entry);

        var (self, selfEntry) = ServiceOrder.FindCycle(["solo"], Graph(("solo", ["solo"])))!.Value;
        Assert.Equal(["solo", "solo"], self);
        Assert.Equal(0, selfEntry);
    }
}
