using System.Globalization;
using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;

namespace FreshServe.Services;

/// <summary>
/// A Procfile (foreman, honcho, overmind): each <c>name: command</c> line is a service that runs in the Procfile's
/// folder and watches it, with its preset's defaults. Blank lines and lines starting with # are skipped.
/// </summary>
/// <remarks>
/// Ports, as foreman gives them: line n (counting services from 0) gets base + 100·n, the base being $PORT of
/// freshserve's own environment, else 5000. Only a line that mentions $PORT (or ${PORT}) gets its port: it is written
/// into the command, and PORT is set in its environment. A line without it gets no PORT, since freshserve would
/// otherwise wait for a worker to listen on a port it never opens.
/// </remarks>
public static class Procfile
{
    public const string DefaultName = "Procfile";
    public const int DefaultBasePort = 5000;
    private const int PortStep = 100;

    /// <summary>Characters that only a shell understands: a line holding one runs through sh -c (cmd /c on Windows).</summary>
    private const string ShellCharacters = "$|&;<>()`\\\"'*?[~#{";

    /// <summary>The Procfile named by --procfile (it must exist), else ./Procfile when present; null when there is none.</summary>
    public static string? Find(string? explicitPath, string folder)
    {
        if (explicitPath is not null)
        {
            var full = Path.GetFullPath(explicitPath, folder);
            return File.Exists(full)
                ? full
                : throw new UsageException(Directory.Exists(full)
                    ? $"--procfile: '{full}' is a folder; give the Procfile itself (e.g. {Path.Combine(full, DefaultName)})"
                    : $"--procfile: file '{full}' does not exist");
        }

        var implicitPath = Path.Combine(folder, DefaultName);
        return File.Exists(implicitPath) ? implicitPath : null;
    }

    public static IReadOnlyList<ServiceValues> Load(string path, Func<string, string?> environment)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot read it: {e.Message}");
        }

        var basePort = int.TryParse(environment("PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65535
            ? port
            : DefaultBasePort;
        return Parse(path, text, basePort);
    }

    public static IReadOnlyList<ServiceValues> Parse(string path, string text, int basePort)
    {
        var services = new List<ServiceValues>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var place = new ConfigPlace(string.Empty, i + 1, line.Length - line.TrimStart().Length + 1);
            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new UsageException(place.Error(path, "expected 'name: command', like web: uvicorn app:app --port $PORT"));
            }

            var name = trimmed[..colon].Trim();
            if (!ServiceValues.IsValidName(name))
            {
                throw new UsageException(place.Error(path, $"'{name}' is not a service name: use letters, digits, '-' and '_'"));
            }

            if (services.Any(s => s.Name == name))
            {
                throw new UsageException(place.Error(path, $"service '{name}' is defined twice"));
            }

            var command = trimmed[(colon + 1)..].Trim();
            var commandPlace = place with { Name = name, Column = line.IndexOf(command, colon, StringComparison.Ordinal) + 1 };
            if (command.Length == 0)
            {
                throw new UsageException(place.Error(path, $"service '{name}' has no command after the ':'"));
            }

            services.Add(Service(path, name, place with { Name = name }, commandPlace, command, basePort + (PortStep * services.Count)));
        }

        return services.Count > 0
            ? services
            : throw new UsageException($"{path}: no services in it; write one per line, like web: uvicorn app:app --port $PORT");
    }

    private static ServiceValues Service(string path, string name, ConfigPlace place, ConfigPlace commandPlace, string line, int port)
    {
        Dictionary<string, string>? env = null;
        if (line.Contains("$PORT", StringComparison.Ordinal) || line.Contains("${PORT}", StringComparison.Ordinal))
        {
            var number = port.ToString(CultureInfo.InvariantCulture);
            line = line.Replace("${PORT}", number, StringComparison.Ordinal).Replace("$PORT", number, StringComparison.Ordinal);
            env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PORT"] = number };
        }

        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

        // A plain line runs as its words, so that presets recognize the server; anything a shell must read runs in one.
        IReadOnlyList<string> command = line.IndexOfAny(ShellCharacters.ToCharArray()) >= 0 || words[0].Contains('=', StringComparison.Ordinal)
            ? OperatingSystem.IsWindows() ? ["cmd", "/c", line] : ["sh", "-c", line]
            : words;
        var values = new ConfigValues
        {
            Path = path,
            Command = command,
            Env = env,
            Places = new Dictionary<string, ConfigPlace>(StringComparer.Ordinal) { ["command"] = commandPlace },
        };
        return new ServiceValues(name, place, values);
    }
}
