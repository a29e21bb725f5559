/// Columns padded to their widest cell.
enum Table {
    static func print(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            Swift.print(row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined())
        }
    }
}
