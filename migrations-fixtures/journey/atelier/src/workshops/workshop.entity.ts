import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';

@Entity('workshop')
export class Workshop {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ length: 200 })
  title: string;

  @Index({ unique: true })
  @Column()
  slug: string;

  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Column({ type: 'numeric', precision: 10, scale: 2, default: 0 })
  price: string;

  @Column({ default: 8 })
  capacity: number;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ type: 'text', array: true, default: '{}' })
  tags: string[];

  @ManyToOne(() => User, (user) => user.workshops, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'artisan_id' })
  artisan: User;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
