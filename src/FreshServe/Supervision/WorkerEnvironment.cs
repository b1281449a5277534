using System.Collections;

namespace FreshServe.Supervision;

/// <summary>Builds the environment each generation of the worker starts with.</summary>
public static class WorkerEnvironment
{
    private static readonly string[] PythonCommands =
        ["python", "python3", "uvicorn", "gunicorn", "flask", "hypercorn", "django-admin", "daphne", "fastapi", "granian"];

    public static IReadOnlyDictionary<string, string> Build(
        WatchSettings settings, int generation, IReadOnlyList<string> changedPaths)
    {
        var env = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        foreach (var (key, value) in settings.Environment)
        {
            env[key] = value;
        }

        foreach (var (key, value) in settings.PresetEnvironment)
        {
            env.TryAdd(key, value);
        }

        if (IsPython(settings.Command, settings.CommandArguments))
        {
            env.TryAdd("PYTHONDONTWRITEBYTECODE", "1");
            env.TryAdd("PYTHONUNBUFFERED", "1");
        }

        env["FRESHSERVE"] = "1";
        env["FRESHSERVE_GENERATION"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["FRESHSERVE_CHANGED"] = string.Join(Path.PathSeparator, changedPaths.Take(100));
        return env;
    }

    public static bool IsPython(string command, IReadOnlyList<string> arguments)
    {
        var name = Path.GetFileNameWithoutExtension(command).ToLowerInvariant();
        return PythonCommands.Any(p => name == p || (p == "python" && name.StartsWith("python", StringComparison.Ordinal)))
            || arguments.FirstOrDefault()?.EndsWith(".py", StringComparison.OrdinalIgnoreCase) == true;
    }
}
