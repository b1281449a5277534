using FreshServe.Watching;

namespace FreshServe.Presets;

/// <summary>
/// Deletes <c>__pycache__</c> folders under the watch roots (--clean-bytecode), so stale .pyc files written by an
/// earlier run cannot shadow edited sources. Folders freshserve ignores anyway (.venv, node_modules, .git) are skipped.
/// </summary>
public static class BytecodeCleaner
{
    public static int Clean(IEnumerable<string> roots)
    {
        var removed = 0;
        var pending = new Stack<string>(roots);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(folder).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var child in children)
            {
                var name = Path.GetFileName(child);
                if (name == "__pycache__")
                {
                    if (TryDelete(child))
                    {
                        removed++;
                    }
                }
                else if (!PathFilter.DefaultIgnoredFolders.Contains(name) && !new FileInfo(child).Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    pending.Push(child);
                }
            }
        }

        return removed;
    }

    private static bool TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
