using System.Text;

namespace FreshServe.Processes.Windows;

/// <summary>Builds the single command-line string CreateProcess takes, quoted so the child's argv parser gets the arguments back.</summary>
public static class WindowsCommandLine
{
    /// <summary>
    /// The command line for <paramref name="fileName"/> with <paramref name="arguments"/>. Batch files cannot be
    /// started directly: they run through <c>cmd.exe /d /s /c "..."</c> (<paramref name="shell"/>).
    /// </summary>
    public static (string Application, string CommandLine) For(string fileName, IReadOnlyList<string> arguments, string shell)
    {
        var extension = Path.GetExtension(fileName);
        if (extension.Equals(".cmd", StringComparison.OrdinalIgnoreCase) || extension.Equals(".bat", StringComparison.OrdinalIgnoreCase))
        {
            // /s: cmd strips exactly the outer pair of quotes and runs what is inside as typed.
            var inner = Join([fileName, .. arguments]);
            return (shell, $"{Quote(shell)} /d /s /c \"{inner}\"");
        }

        return (fileName, Join([fileName, .. arguments]));
    }

    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));

    /// <summary>Quotes one argument by the rules of CommandLineToArgvW and the C runtime.</summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && argument.IndexOfAny([' ', '\t', '\n', '\v', '"']) < 0)
        {
            return argument;
        }

        var result = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            // Backslashes are literal unless they precede a quote: then each one is doubled and the quote escaped.
            result.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
            backslashes = 0;
            result.Append(c);
        }

        result.Append('\\', backslashes * 2);
        return result.Append('"').ToString();
    }

    /// <summary>A Unicode environment block: "NAME=value\0" entries sorted by name, ending with an extra "\0".</summary>
    public static string EnvironmentBlock(IReadOnlyDictionary<string, string> environment)
    {
        var block = new StringBuilder();
        foreach (var (key, value) in environment.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase))
        {
            block.Append(key).Append('=').Append(value).Append('\0');
        }

        return block.Append('\0').ToString();
    }
}
