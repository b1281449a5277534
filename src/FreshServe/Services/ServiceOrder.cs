namespace FreshServe.Services;

/// <summary>The order services start in: each after what it depends on. Pure functions over names.</summary>
public static class ServiceOrder
{
    /// <summary>
    /// <paramref name="names"/> with every service they depend on (directly or not), dependencies first; otherwise in
    /// the order of <paramref name="all"/>. The graph must have no cycle (see <see cref="FindCycle"/>).
    /// </summary>
    public static IReadOnlyList<string> DependenciesFirst(IReadOnlyList<string> all, IEnumerable<string> names,
        Func<string, IReadOnlyList<string>> dependsOn)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Visit(string name)
        {
            if (!wanted.Add(name))
            {
                return;
            }

            foreach (var dependency in dependsOn(name))
            {
                Visit(dependency);
            }

            order.Add(name);
        }

        var selected = names.ToHashSet(StringComparer.Ordinal);
        foreach (var name in all.Where(selected.Contains))
        {
            Visit(name);
        }

        return order;
    }

    /// <summary>
    /// A cycle in the graph, as the names along it with the first one again at the end ("api", "worker", "api"),
    /// and the dependency that closes it: <c>Cycle[^2]</c>'s entry number <c>Entry</c> in its own list. Null when there is none.
    /// </summary>
    public static (IReadOnlyList<string> Cycle, int Entry)? FindCycle(IReadOnlyList<string> all, Func<string, IReadOnlyList<string>> dependsOn)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        (IReadOnlyList<string>, int)? Visit(string name)
        {
            path.Add(name);
            var dependencies = dependsOn(name);
            for (var i = 0; i < dependencies.Count; i++)
            {
                var dependency = dependencies[i];
                var onPath = path.IndexOf(dependency);
                if (onPath >= 0)
                {
                    return ([.. path[onPath..], dependency], i);
                }

                if (!done.Contains(dependency) && Visit(dependency) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            done.Add(name);
            return null;
        }

        foreach (var name in all)
        {
            if (!done.Contains(name) && Visit(name) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }
}
