using FreshServe.Supervision;

namespace FreshServe.Services;

/// <summary>One service of a project (freshserve.json's <c>services</c>, or a Procfile line): its resolved settings.</summary>
/// <param name="Name">Letters, digits, '-' and '_'.</param>
/// <param name="DependsOn">The services it starts after, once they are ready.</param>
public sealed record ServicePlan(string Name, IReadOnlyList<string> DependsOn, WatchSettings Settings);

/// <summary>The services to run, dependencies before their dependents; <paramref name="Source"/> names the file they came from.</summary>
public sealed record ProjectPlan(IReadOnlyList<ServicePlan> Services, string Source);
