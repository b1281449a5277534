using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Services;

namespace FreshServe.Config;

/// <summary>
/// What a config file's <c>services</c> must satisfy once it is read: each has a command, each dependency exists,
/// no cycle, and no key at the top level that would give every service the same server. Errors name file, line, column.
/// </summary>
public static class ServiceChecks
{
    /// <summary>Top-level keys that name one server: as defaults they would give every service the same one.</summary>
    private static readonly string[] OneServerKeys = ["command", "port", "proxy", "readyUrl"];

    public static void Check(ConfigValues file)
    {
        if (file.Services is not { } services)
        {
            return;
        }

        if (services.Count == 0)
        {
            throw new UsageException(file.ErrorAt("services", "'services' is empty; add one, like \"api\": { \"command\": \"uvicorn app:app\" }"));
        }

        foreach (var key in OneServerKeys.Where(file.Places.ContainsKey))
        {
            throw new UsageException(file.ErrorAt(key,
                $"'{key}' at the top level would be the same for every service; with \"services\", set it in each service"));
        }

        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (service.Values.Command is null)
            {
                throw new UsageException(service.Place.Error(file.Path,
                    $"service '{service.Name}' has no 'command'; give it one, like \"command\": \"uvicorn app:app\""));
            }

            var dependsOn = service.Values.DependsOn ?? [];
            for (var i = 0; i < dependsOn.Count; i++)
            {
                if (!byName.ContainsKey(dependsOn[i]))
                {
                    var names = services.Select(s => s.Name).ToList();
                    var suggestion = Suggestions.Closest(dependsOn[i], names);
                    throw new UsageException(service.Values.ErrorAt($"dependsOn[{i}]",
                        $"'dependsOn': unknown service '{dependsOn[i]}'" + (suggestion is null ? "." : $"; did you mean '{suggestion}'?")
                        + $" The services are: {string.Join(", ", names)}"));
                }
            }
        }

        if (ServiceOrder.FindCycle(services.Select(s => s.Name).ToList(), DependsOn(services)) is var (cycle, entry))
        {
            var closing = byName[cycle[^2]];
            throw new UsageException(closing.Values.ErrorAt($"dependsOn[{entry}]",
                $"'dependsOn' makes a cycle: {string.Join(" -> ", cycle)}; a service cannot wait for itself"));
        }
    }

    /// <summary>Each service's <c>dependsOn</c>, by name.</summary>
    public static Func<string, IReadOnlyList<string>> DependsOn(IEnumerable<ServiceValues> services)
    {
        var map = services.ToDictionary(s => s.Name, s => s.Values.DependsOn ?? [], StringComparer.Ordinal);
        return name => map[name];
    }
}
