import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Products reference a category by its slug (products.category → categories.slug). */
@Entity({ name: 'categories' })
export class Category {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  slug: string;

  @Column({ type: 'varchar', length: 120 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
