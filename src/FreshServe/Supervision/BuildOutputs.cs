namespace FreshServe.Supervision;

/// <summary>
/// The files a command builds before it serves, as the command itself names them: <c>go build -o X</c>, also inside
/// a shell script (<c>sh -c 'go build -o app . &amp;&amp; ./app'</c>). Such a file is the server's own write.
/// </summary>
public static class BuildOutputs
{
    private static readonly string[] Separators = ["&&", "||", ";", "|", "&"];

    public static IReadOnlyList<string> Of(string command, IReadOnlyList<string> arguments)
    {
        var words = Words([command, .. arguments]);
        var outputs = new List<string>();
        for (var i = 0; i + 1 < words.Count; i++)
        {
            if (Path.GetFileName(words[i]) != "go" || words[i + 1] != "build")
            {
                continue;
            }

            for (var j = i + 2; j < words.Count && !Separators.Contains(words[j]); j++)
            {
                var output = words[j] == "-o" && j + 1 < words.Count ? words[j + 1]
                    : words[j].StartsWith("-o=", StringComparison.Ordinal) ? words[j][3..]
                    : null;
                // A folder (-o bin/) gets a file named after the package, which the command does not say.
                if (output is { Length: > 0 } && !output.EndsWith('/') && !Separators.Contains(output))
                {
                    outputs.Add(output);
                }
            }
        }

        return outputs;
    }

    /// <summary>Words as a shell would roughly see them: a script argument is split at spaces and separators.</summary>
    private static List<string> Words(IEnumerable<string> arguments)
    {
        var words = new List<string>();
        foreach (var argument in arguments)
        {
            var spaced = argument;
            foreach (var separator in Separators)
            {
                spaced = spaced.Replace(separator, $" {separator} ", StringComparison.Ordinal);
            }

            // "& &" from the replacements above is "&&" again.
            var parts = spaced.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < parts.Length; i++)
            {
                if (i + 1 < parts.Length && parts[i] is "&" or "|" && parts[i + 1] == parts[i])
                {
                    words.Add(parts[i] + parts[i]);
                    i++;
                }
                else
                {
                    words.Add(parts[i].Trim('\'', '"'));
                }
            }
        }

        return words;
    }
}
