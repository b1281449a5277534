using System.Globalization;

namespace FreshServe.Cli;

/// <summary>Finds the port a dev server will listen on from its own command line or environment.</summary>
public static class PortDetector
{
    public sealed record Detection(int Port, string Source);

    public static Detection? Detect(IReadOnlyList<string> commandArgs, IReadOnlyDictionary<string, string> env)
    {
        for (var i = 0; i < commandArgs.Count; i++)
        {
            var arg = commandArgs[i];
            var next = i + 1 < commandArgs.Count ? commandArgs[i + 1] : null;

            if (arg is "--port" or "-p" && TryPort(next, out var port))
            {
                return new(port, $"'{arg} {next}' in the command");
            }

            if (arg.StartsWith("--port=", StringComparison.Ordinal) && TryPort(arg["--port=".Length..], out port))
            {
                return new(port, $"'{arg}' in the command");
            }

            // -p8001: the value attached to the short option, as flask (click), rails and most option parsers accept.
            if (arg.StartsWith("-p", StringComparison.Ordinal) && TryPort(arg[2..], out port))
            {
                return new(port, $"'{arg}' in the command");
            }

            if (arg is "--urls" && next is not null && TryUrlPort(next, out port))
            {
                return new(port, $"'--urls {next}' in the command");
            }

            if (arg.StartsWith("--urls=", StringComparison.Ordinal) && TryUrlPort(arg["--urls=".Length..], out port))
            {
                return new(port, $"'{arg}' in the command");
            }
        }

        if (env.TryGetValue("PORT", out var fromEnv) && TryPort(fromEnv, out var envPort))
        {
            return new(envPort, $"PORT={fromEnv} in --env");
        }

        return null;
    }

    private static bool TryPort(string? text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    private static bool TryUrlPort(string urls, out int port)
    {
        port = 0;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel accepts wildcard hosts (http://*:5000, http://+:5000) that Uri rejects.
            var normalized = url.Replace("://*", "://localhost", StringComparison.Ordinal)
                                .Replace("://+", "://localhost", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && !uri.IsDefaultPort && uri.Port > 0)
            {
                port = uri.Port;
                return true;
            }
        }

        return false;
    }
}
