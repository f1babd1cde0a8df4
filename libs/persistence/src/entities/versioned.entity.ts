import { Column, CreateDateColumn, UpdateDateColumn } from 'typeorm';

/** Columns of every admin-editable row: the ETag version and the timestamps. */
export abstract class VersionedEntity {
  /** Bumped on every write; the row's ETag. */
  @Column({ name: 'row_version', type: 'integer', default: 1 })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
