using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Hocon;

/// <summary>Key paths: <c>a.b.c</c> is three keys, <c>"a.b".c</c> two; quoted parts keep dots, spaces and slashes.</summary>
internal static class HoconPath
{
    /// <summary>Parses the path inside <c>${...}</c>.</summary>
    public static IReadOnlyList<string> Parse(string text, SourcePosition position)
    {
        var builder = new Builder(text, position, "substitution path");
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                var value = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                        value.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
                    }
                    else value.Append(text[i]);
                    i++;
                }
                if (i >= text.Length)
                    throw new ScenarioException($"invalid substitution path '{text}': unterminated string", position);
                i++;
                builder.Quoted(value.ToString());
            }
            else if (HoconLexer.IsWhitespace(c))
            {
                builder.Whitespace(c.ToString());
                i++;
            }
            else
            {
                builder.Unquoted(c.ToString());
                i++;
            }
        }
        return builder.Finish();
    }

    /// <summary>Collects path elements from the pieces of a key or substitution.</summary>
    internal sealed class Builder(string text, SourcePosition position, string what)
    {
        private readonly List<string> _elements = [];
        private readonly StringBuilder _current = new();
        private string _pendingWhitespace = "";
        private bool _hasContent;

        public void Quoted(string value)
        {
            FlushWhitespace();
            _current.Append(value);
            _hasContent = true;
        }

        public void Whitespace(string value)
        {
            if (_hasContent) _pendingWhitespace += value;
        }

        public void Unquoted(string value)
        {
            foreach (var c in value)
            {
                if (c == '.')
                {
                    if (!_hasContent) throw Empty();
                    _pendingWhitespace = "";
                    _elements.Add(_current.ToString());
                    _current.Clear();
                    _hasContent = false;
                }
                else
                {
                    FlushWhitespace();
                    _current.Append(c);
                    _hasContent = true;
                }
            }
        }

        public IReadOnlyList<string> Finish()
        {
            if (!_hasContent) throw Empty();
            _elements.Add(_current.ToString());
            return _elements;
        }

        private void FlushWhitespace()
        {
            if (_pendingWhitespace.Length == 0) return;
            _current.Append(_pendingWhitespace);
            _pendingWhitespace = "";
        }

        private ScenarioException Empty() => text.Trim().Length == 0
            ? new ScenarioException($"empty {what}", position)
            : new ScenarioException($"invalid {what} '{text.Trim()}': empty element (quote keys that contain '.')", position);
    }
}
