using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;

namespace ClickAnalytics.Core.Tests.Enrichment.Support;

/// <summary>
/// A minimal MaxMind DB writer (format 2.0, IPv6 tree, 32-bit records) for fixtures the public
/// databases cannot provide: MaxMind-style nested records and ASN data. Values are maps, strings,
/// unsigned integers and arrays only. Its output was checked with mmdblookup.
/// </summary>
internal sealed class MmdbWriter(string databaseType, ulong buildEpoch)
{
    private readonly Node _root = new();
    private readonly MemoryStream _data = new();

    /// <summary>Adds a network (IPv4 networks go below ::/96, as MaxMind's own writer does).</summary>
    public MmdbWriter Add(string cidr, object record)
    {
        string[] parts = cidr.Split('/');
        IPAddress address = IPAddress.Parse(parts[0]);
        int prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        byte[] bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            byte[] v6 = new byte[16];
            bytes.CopyTo(v6, 12);
            bytes = v6;
            prefix += 96;
        }

        long offset = _data.Position;
        Encode(_data, record);

        Node node = _root;
        for (int bit = 0; bit < prefix; bit++)
        {
            bool right = (bytes[bit / 8] & (0x80 >> (bit % 8))) != 0;
            if (bit == prefix - 1)
            {
                if (right)
                {
                    node.RightData = offset;
                }
                else
                {
                    node.LeftData = offset;
                }
            }
            else
            {
                node = right ? node.Right ??= new Node() : node.Left ??= new Node();
            }
        }

        return this;
    }

    public void Save(string path)
    {
        var nodes = new List<Node>();
        var queue = new Queue<Node>();
        queue.Enqueue(_root);
        while (queue.Count > 0)
        {
            Node n = queue.Dequeue();
            n.Index = nodes.Count;
            nodes.Add(n);
            if (n.Left is not null)
            {
                queue.Enqueue(n.Left);
            }

            if (n.Right is not null)
            {
                queue.Enqueue(n.Right);
            }
        }

        uint count = (uint)nodes.Count;
        using var file = new MemoryStream();
        foreach (Node n in nodes)
        {
            WriteRecord(file, n.Left, n.LeftData, count);
            WriteRecord(file, n.Right, n.RightData, count);
        }

        file.Write(new byte[16]);
        _data.WriteTo(file);
        file.Write([0xAB, 0xCD, 0xEF]);
        file.Write(Encoding.ASCII.GetBytes("MaxMind.com"));
        Encode(file, new Dictionary<string, object>
        {
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = buildEpoch,
            ["database_type"] = databaseType,
            ["description"] = new Dictionary<string, object> { ["en"] = "ClickAnalytics test fixture" },
            ["ip_version"] = (ushort)6,
            ["languages"] = new object[] { "en" },
            ["node_count"] = count,
            ["record_size"] = (ushort)32,
        });
        File.WriteAllBytes(path, file.ToArray());
    }

    private static void WriteRecord(Stream s, Node? child, long? data, uint nodeCount)
    {
        uint value = child is not null ? (uint)child.Index : data is { } offset ? (uint)(nodeCount + 16 + offset) : nodeCount;
        s.Write([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }

    private static void Encode(Stream s, object value)
    {
        switch (value)
        {
            case string text:
                byte[] utf8 = Encoding.UTF8.GetBytes(text);
                Control(s, 2, utf8.Length);
                s.Write(utf8);
                break;
            case ushort u16:
                Unsigned(s, 5, u16);
                break;
            case uint u32:
                Unsigned(s, 6, u32);
                break;
            case ulong u64:
                Unsigned(s, 9, u64);
                break;
            case Dictionary<string, object> map:
                Control(s, 7, map.Count);
                foreach (KeyValuePair<string, object> pair in map)
                {
                    Encode(s, pair.Key);
                    Encode(s, pair.Value);
                }

                break;
            case object[] array:
                Control(s, 11, array.Length);
                foreach (object item in array)
                {
                    Encode(s, item);
                }

                break;
            default:
                throw new ArgumentException($"Cannot encode {value.GetType()}.");
        }
    }

    private static void Unsigned(Stream s, int type, ulong value)
    {
        var bytes = new List<byte>();
        for (ulong v = value; v != 0; v >>= 8)
        {
            bytes.Insert(0, (byte)v);
        }

        Control(s, type, bytes.Count);
        s.Write(bytes.ToArray());
    }

    private static void Control(Stream s, int type, int size)
    {
        int first = type <= 7 ? type << 5 : 0;
        byte[] extra = size < 29 ? [] : size < 285 ? [(byte)(size - 29)] : [(byte)((size - 285) >> 8), (byte)(size - 285)];
        int sizeBits = size < 29 ? size : size < 285 ? 29 : 30;
        s.WriteByte((byte)(first | sizeBits));
        if (type > 7)
        {
            s.WriteByte((byte)(type - 7));
        }

        s.Write(extra);
    }

    private sealed class Node
    {
        public Node? Left;
        public Node? Right;
        public long? LeftData;
        public long? RightData;
        public int Index;
    }
}
