using FreshServe.Common;

namespace FreshServe.Cli;

/// <summary>Validates --ready-url: an absolute http or https URL.</summary>
public static class ReadyUrls
{
    public static bool TryParse(string text, out Uri url)
    {
        url = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return false;
        }

        url = parsed;
        return true;
    }

    public static Uri Parse(string text) =>
        TryParse(text, out var url) ? url : throw new UsageException($"--ready-url: '{text}' is not an http:// or https:// URL");
}
